/*
 * workshop-api's names and pure rules as other code may rely on them (the lab scripts, tests): the service name,
 * instance naming, the ID form and Meta keys (from services/shared/names.ts, the names the lab's parts agree on),
 * the GitHub login rule and the GitHub API URL's rules (githubApi.ts). No side effects, and its only imports are
 * those pure modules, so importing this never loads the service itself.
 */

export {
  GITHUB_LOGIN,
  NODE_CHECK_SUFFIX,
  WORKSHOP_META,
  WORKSHOP_SERVICE_NAME,
  workshopNodeCheckId,
  workshopServiceId,
} from '../shared/names';
export { DEFAULT_GITHUB_API, checkGithubApiForToken, isLoopbackHost, parseGithubApi } from './githubApi';

/**
 * The instance's name when none is configured (Compose, no config file): `api-` + the first 6 characters of
 * the hostname, so scaled replicas (hostname = short container id) stay distinct.
 */
export function defaultNameFromHostname(hostname: string): string {
  const part = hostname
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 6);
  return `api-${part || 'local'}`;
}
