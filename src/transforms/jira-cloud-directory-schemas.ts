import { PERSON } from './jira-cloud-schemas';
import type { ResponseSchema } from './schema-filter';
import { array, flag, idOnly, integer, object, pageBean, text } from './schema-parts';

// The allow-lists for Jira Cloud's people, groups, projects and site metadata.
//
// Names: a person's name, avatar and profile link always go. Group names go (a group is often named
// for a person or a confidential team; `groupId` joins groups with their members). The names Jira's
// own configuration gives statuses, priorities, resolutions, issue types and fields stay: they name
// no one, and an analysis needs them to read the ids the issue answers keep. Project names (and
// keys, category, component and version names) are an operator's choice, `keepProjectNames`: by
// default they go, because a project or its key may name a confidential client or plan.

/** The names of projects and their parts, kept only with `keepProjectNames`. */
export const projectNames = (keep: boolean, ...names: string[]): Record<string, ResponseSchema> =>
  keep ? Object.fromEntries(names.map((name) => [name, text])) : {};

/** `GET /users` and `/users/search`: a list of people. */
export const USERS_SCHEMA: ResponseSchema = array(PERSON);

/** `GET /group/bulk`: group ids only. */
export const GROUP_PAGE_SCHEMA: ResponseSchema = object(pageBean(object({ groupId: text })));

/** `GET /group/member`: its page `self` and `nextPage` links go (their query names the group). */
export const GROUP_MEMBER_PAGE_SCHEMA: ResponseSchema = object(pageBean(PERSON));

/**
 * `GET /myself`, with `expand=groups,applicationRoles`: the person, the ids of their groups, and per
 * application role its key and the ids (never the names) of its groups and default groups.
 */
export const MYSELF_SCHEMA: ResponseSchema = object({
  ...PERSON.properties,
  applicationRoles: object({
    items: array(
      object({
        defaultGroupsDetails: array(object({ groupId: text })),
        defined: flag,
        groupDetails: array(object({ groupId: text })),
        hasUnlimitedSeats: flag,
        key: text,
        numberOfSeats: integer,
        platform: flag,
        remainingSeats: integer,
        selectedByDefault: flag,
        userCount: integer,
      }),
    ),
    size: integer,
  }),
  groups: object({ items: array(object({ groupId: text })), size: integer }),
});

/**
 * `GET /project/search`. The lead and the people who archived or deleted a project are pseudonymized,
 * as is the project's contact `email`; descriptions, URLs, avatars and role links go.
 */
export const projectPageSchema = (keepNames: boolean): ResponseSchema =>
  object(
    pageBean(
      object({
        archived: flag,
        archivedBy: PERSON,
        archivedDate: text,
        assigneeType: text,
        components: array(object({ id: text, ...projectNames(keepNames, 'name') })),
        deleted: flag,
        deletedBy: PERSON,
        deletedDate: text,
        email: text,
        entityId: text,
        id: text,
        insight: object({ lastIssueUpdateTime: text, totalIssueCount: integer }),
        isPrivate: flag,
        issueTypes: array(
          object({ entityId: text, hierarchyLevel: integer, id: text, name: text, subtask: flag }),
        ),
        lead: PERSON,
        projectCategory: object({ id: text, ...projectNames(keepNames, 'name') }),
        projectTypeKey: text,
        simplified: flag,
        style: text,
        uuid: text,
        versions: array(
          object({
            archived: flag,
            id: text,
            overdue: flag,
            projectId: integer,
            releaseDate: text,
            released: flag,
            startDate: text,
            ...projectNames(keepNames, 'name'),
          }),
        ),
        ...projectNames(keepNames, 'key', 'name'),
      }),
    ),
  );

/** `GET /oauth/token/accessible-resources`: each site's cloud id and URL (its name goes). */
export const ACCESSIBLE_RESOURCES_SCHEMA: ResponseSchema = array(object({ id: text, url: text }));

/**
 * `GET /serverInfo`: the version and clock. `baseUrl` stays: it is the site URL that
 * accessible-resources already answers. The site's title and its display URLs go.
 */
export const SERVER_INFO_SCHEMA: ResponseSchema = object({
  baseUrl: text,
  buildDate: text,
  buildNumber: integer,
  defaultLocale: object({ locale: text }),
  deploymentType: text,
  scmInfo: text,
  serverTime: text,
  serverTimeZone: text,
  version: text,
  versionNumbers: array(integer),
});

/** Which project, if any, a status, issue type or field belongs to (team-managed projects). */
const scope = object({ project: idOnly, type: text });

/** `GET /field`: ids, names and types; descriptions go. */
export const FIELDS_SCHEMA: ResponseSchema = array(
  object({
    clauseNames: array(text),
    custom: flag,
    id: text,
    isLocked: flag,
    key: text,
    name: text,
    navigable: flag,
    orderable: flag,
    schema: object({ custom: text, customId: integer, items: text, system: text, type: text }),
    scope,
    searchable: flag,
    untranslatedName: text,
  }),
);

/** `GET /status`. */
export const STATUSES_SCHEMA: ResponseSchema = array(
  object({
    id: text,
    name: text,
    scope,
    statusCategory: object({ colorName: text, id: integer, key: text, name: text }),
    untranslatedName: text,
  }),
);

/** `GET /priority`. */
export const PRIORITIES_SCHEMA: ResponseSchema = array(
  object({ id: text, isDefault: flag, name: text, statusColor: text }),
);

/** `GET /resolution`. */
export const RESOLUTIONS_SCHEMA: ResponseSchema = array(object({ id: text, isDefault: flag, name: text }));

/** `GET /issuetype`. */
export const ISSUE_TYPES_SCHEMA: ResponseSchema = array(
  object({
    avatarId: integer,
    entityId: text,
    hierarchyLevel: integer,
    id: text,
    name: text,
    scope,
    subtask: flag,
    untranslatedName: text,
  }),
);

/** `POST /search/approximate-count`. */
export const APPROXIMATE_COUNT_SCHEMA: ResponseSchema = object({ count: integer });
