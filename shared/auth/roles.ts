/** The query API's roles, least to most: each may do what the ones before it may (README "Query API"). */
export const apiRoles = ['viewer', 'analyst', 'admin'] as const;
export type ApiRole = (typeof apiRoles)[number];
