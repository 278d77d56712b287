import { issue } from './jira';
import { avatarUrls, PEOPLE, projectName, SITE, secret, secretUrl } from './probes';

// Jira Software (agile) responses in the shapes its REST reference documents.

const AGILE = `${SITE}/rest/agile/1.0`;
const { ana, kim } = PEOPLE;

const sprint = (id: number) => ({
  id,
  self: `${AGILE}/sprint/${id}`,
  state: 'closed',
  name: projectName('sprint name'),
  startDate: '2025-03-01T09:00:00.000Z',
  endDate: '2025-03-14T17:00:00.000Z',
  completeDate: '2025-03-14T16:00:00.000Z',
  createdDate: '2025-02-28T09:00:00.000Z',
  originBoardId: 84,
  goal: secret('sprint goal: win customer X'),
});

/** An issue as the agile endpoints return it: the agile fields beside the Jira ones. */
const agileIssue = (id: string) =>
  issue(id, {
    sprint: sprint(37),
    closedSprints: [sprint(36)],
    flagged: true,
    epic: {
      id: 10500,
      key: secret('epic key'),
      self: `${AGILE}/epic/10500`,
      name: secret('epic name'),
      summary: secret('epic summary'),
      color: { key: 'color_4' },
      done: false,
    },
  });

export const JIRA_SOFTWARE_BODIES: Record<string, unknown> = {
  board: {
    maxResults: 2,
    startAt: 0,
    total: 2,
    isLast: true,
    values: [
      {
        id: 84,
        self: `${AGILE}/board/84`,
        name: projectName('board name'),
        type: 'scrum',
        isPrivate: false,
        location: {
          projectId: 10010,
          displayName: secret('Project Falcon (FAL)'),
          projectName: projectName('location project name'),
          projectKey: projectName('FAL'),
          projectTypeKey: 'software',
          avatarURI: secretUrl('project avatar'),
          name: secret('Project Falcon (FAL)'),
        },
      },
      {
        id: 85,
        self: `${AGILE}/board/85`,
        name: projectName('personal board name'),
        type: 'kanban',
        location: {
          userId: 10001,
          userAccountId: kim.accountId,
          displayName: kim.name,
          name: kim.name,
          avatarURI: secretUrl('user avatar'),
        },
        admins: { users: [{ accountId: ana.accountId, displayName: ana.name, self: secretUrl('admin') }] },
        favourite: true,
        canEdit: true,
        avatarUrls: avatarUrls('board'),
      },
    ],
  },
  'board-sprint': { maxResults: 50, startAt: 0, isLast: true, values: [sprint(36), sprint(37)] },
  sprint: sprint(37),
  'sprint-issue': {
    expand: 'schema,names',
    startAt: 0,
    maxResults: 50,
    total: 1,
    issues: [agileIssue('10231')],
  },
  'software-sprint-issue': { issues: [agileIssue('10231')], nextPageToken: 'CAEaAggD', isLast: false },
};
