/**
 * The sandbox's Jira site content as a model: people, groups, projects, issues with their
 * comments, worklogs and changelog. `jira-data.ts` generates it, `jira-render.ts` shapes it as
 * Jira Cloud JSON, `servicedesk-data.ts` derives Service Management's content from it.
 */

export interface User {
  accountId: string;
  accountType: 'atlassian' | 'app';
  displayName: string;
  /** Absent for apps and for people who hide their address (as Jira omits it). */
  emailAddress: string | undefined;
  active: boolean;
  timeZone: string;
  locale: string;
}

export interface Group {
  name: string;
  groupId: string;
  members: User[];
}

export interface Project {
  id: string;
  key: string;
  name: string;
  lead: User;
}

export interface Status {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
}

export type AdfNode = { type: string; text?: string; attrs?: Record<string, unknown>; content?: AdfNode[] };
export type Adf = { type: 'doc'; version: 1; content: AdfNode[] };

export interface Comment {
  id: string;
  author: User;
  body: Adf;
  created: number;
}

export interface Worklog {
  id: string;
  author: User;
  comment: Adf;
  started: number;
  timeSpentSeconds: number;
}

export interface ChangeItem {
  field: string;
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface History {
  id: string;
  author: User;
  created: number;
  items: ChangeItem[];
}

export interface Issue {
  id: string;
  key: string;
  project: Project;
  issueType: { id: string; name: string };
  priority: { id: string; name: string };
  summary: string;
  description: Adf;
  reporter: User;
  creator: User;
  assignee: User | undefined;
  status: Status;
  labels: string[];
  created: number;
  updated: number;
  comments: Comment[];
  worklogs: Worklog[];
  changelog: History[];
}

export interface JiraData {
  users: User[];
  groups: Group[];
  projects: Project[];
  issues: Issue[];
  /** The person who consents in the sandbox: `/myself`, the tokens' `sub`. */
  me: User;
}

export const STATUSES: Status[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'In Review', category: 'indeterminate' },
  { id: '10002', name: 'Done', category: 'done' },
];
