import { EPOCH } from './jira-data';
import type { Issue, JiraData, Project } from './jira-model';

/**
 * Jira Software's content in the sandbox, derived from the Jira data (no random draws, so the
 * platform data and its golden files stay as they are): one board per project (scrum, but kanban
 * for Customer Support), one-week sprints from the data's first day on each scrum board, the last
 * active and one future, and each issue in the sprint its creation falls in. An issue not done when
 * its sprint closed moved on to the next one, as Jira does when a sprint is completed.
 */

export interface Board {
  id: number;
  name: string;
  type: 'scrum' | 'kanban';
  project: Project;
}

export interface Sprint {
  id: number;
  name: string;
  state: 'closed' | 'active' | 'future';
  board: Board;
  start: number;
  end: number;
  goal: string;
}

export interface SprintMembership {
  /** The open (active or future) sprint the issue is in, if any. */
  current: Sprint | undefined;
  closed: Sprint[];
}

export interface SoftwareData {
  boards: Board[];
  sprints: Sprint[];
  /** Every issue of a scrum project; kanban issues have none. */
  membership: Map<Issue, SprintMembership>;
  /** A sprint's issues, current members first in data order, then those that moved on from it. */
  issuesOf(sprint: Sprint): Issue[];
  flagged(issue: Issue): boolean;
}

const DAY = 86_400_000;
const SPRINTS_PER_BOARD = 5;
const GOALS = [
  'Ship the CSV import',
  'Stabilise the login page',
  'Close the audit findings',
  'Cut search latency',
];

const cache = new WeakMap<JiraData, SoftwareData>();

export function softwareData(data: JiraData): SoftwareData {
  let out = cache.get(data);
  if (!out) {
    out = build(data);
    cache.set(data, out);
  }
  return out;
}

function build(data: JiraData): SoftwareData {
  const boards: Board[] = data.projects.map((project, i) => ({
    id: i + 1,
    name: `${project.key} board`,
    type: project.key === 'SUP' ? 'kanban' : 'scrum',
    project,
  }));
  const sprints: Sprint[] = [];
  const byBoard = new Map<Board, Sprint[]>();
  for (const board of boards.filter((b) => b.type === 'scrum')) {
    const own = Array.from({ length: SPRINTS_PER_BOARD }, (_, k): Sprint => {
      const start = EPOCH + k * 7 * DAY;
      return {
        id: sprints.length + k + 1,
        name: `${board.project.key} Sprint ${k + 1}`,
        state: k < SPRINTS_PER_BOARD - 2 ? 'closed' : k === SPRINTS_PER_BOARD - 2 ? 'active' : 'future',
        board,
        start,
        end: start + 7 * DAY,
        goal: GOALS[(board.id + k) % GOALS.length] as string,
      };
    });
    sprints.push(...own);
    byBoard.set(board, own);
  }

  const membership = new Map<Issue, SprintMembership>();
  for (const issue of data.issues) {
    const own = byBoard.get(boards.find((b) => b.project === issue.project) as Board);
    if (!own) continue;
    let k = Math.min(Math.max(0, Math.floor((issue.created - EPOCH) / (7 * DAY))), own.length - 1);
    const closed: Sprint[] = [];
    const done = issue.status.category === 'done';
    while ((own[k] as Sprint).state === 'closed' && !done && k < own.length - 1)
      closed.push(own[k++] as Sprint);
    const sprint = own[k] as Sprint;
    if (sprint.state === 'closed') membership.set(issue, { current: undefined, closed: [...closed, sprint] });
    else membership.set(issue, { current: sprint, closed });
  }

  const members = new Map<Sprint, Issue[]>();
  for (const [issue, m] of membership) {
    for (const s of [...(m.current ? [m.current] : []), ...m.closed]) {
      const list = members.get(s) ?? [];
      list.push(issue);
      members.set(s, list);
    }
  }
  return {
    boards,
    sprints,
    membership,
    issuesOf: (sprint) => members.get(sprint) ?? [],
    flagged: (issue) => Number(issue.id) % 11 === 0,
  };
}
