import { projectNames } from './jira-cloud-directory-schemas';
import { issueSchema } from './jira-cloud-schemas';
import type { ResponseSchema } from './schema-filter';
import { array, flag, integer, object, offsetPage, pageBean, text } from './schema-parts';

// The allow-lists for Jira Software's boards, sprints and sprint issues. Board and sprint names,
// like project names, are the operator's choice (`keepProjectNames`): a board or sprint is often
// named for a client, a plan or a person's team. A sprint's `goal` is free text and always goes.

/** One sprint, alone (`GET /sprint/{id}`), in a board's page, or in an issue's agile fields. */
export const sprintSchema = (keepNames: boolean): ResponseSchema =>
  object({
    completeDate: text,
    createdDate: text,
    endDate: text,
    id: integer,
    originBoardId: integer,
    startDate: text,
    state: text,
    ...projectNames(keepNames, 'name'),
  });

/**
 * `GET /board`. A board's `location` keeps its project's id and type; for a board that belongs to a
 * person, `userAccountId` is pseudonymized. The location's `displayName` and `name` (a project's or a
 * person's name) and its avatar go; its project name and key stay only with `keepProjectNames`.
 */
export const boardPageSchema = (keepNames: boolean): ResponseSchema =>
  object(
    pageBean(
      object({
        id: integer,
        isPrivate: flag,
        location: object({
          projectId: integer,
          projectTypeKey: text,
          userAccountId: text,
          ...projectNames(keepNames, 'projectKey', 'projectName'),
        }),
        type: text,
        ...projectNames(keepNames, 'name'),
      }),
    ),
  );

/** `GET /board/{id}/sprint`: paged without a `total`. */
export const sprintPageSchema = (keepNames: boolean): ResponseSchema =>
  object({ isLast: flag, maxResults: integer, startAt: integer, values: array(sprintSchema(keepNames)) });

/**
 * An issue as the agile endpoints return it: the Jira issue allow-list plus the agile fields. An
 * epic keeps its id and whether it is done (its key, name and summary go); `flagged` stays.
 */
const agileIssueSchema = (keepNames: boolean): ResponseSchema =>
  issueSchema({
    closedSprints: array(sprintSchema(keepNames)),
    epic: object({ done: flag, id: integer }),
    flagged: flag,
    sprint: sprintSchema(keepNames),
  });

/** `GET /rest/agile/1.0/sprint/{id}/issue`: offset paged. */
export const sprintIssuePageSchema = (keepNames: boolean): ResponseSchema =>
  object(offsetPage('issues', agileIssueSchema(keepNames)));

/** `GET /rest/software/1.0/sprint/{id}/issue`: token paged. */
export const softwareSprintIssuePageSchema = (keepNames: boolean): ResponseSchema =>
  object({ issues: array(agileIssueSchema(keepNames)), isLast: flag, nextPageToken: text });
