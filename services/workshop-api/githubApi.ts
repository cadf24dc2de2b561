/*
 * The GitHub API base URL (`--github-api`, WORKSHOP_GITHUB_API): its default and its checks. Pure (its only import is
 * services/shared's UsageError), so lab:join can apply the same rules through names.ts without loading the service.
 */
import { UsageError } from '../shared/errors';

export const DEFAULT_GITHUB_API = 'https://api.github.com';

/**
 * http(s) only, and no credentials (the token has its own field, and must reach only this host), query or
 * fragment (the path is a prefix: /users/<name> is appended). Checked even with --avatars generated: bad input
 * is bad input. A value with "@" is never shown: it may hold a user name and password.
 */
export function parseGithubApi(flag: string | undefined, fromEnv: string | undefined): string {
  const [value, source] =
    flag !== undefined ? [flag, '--github-api'] : fromEnv ? [fromEnv, 'WORKSHOP_GITHUB_API'] : [DEFAULT_GITHUB_API, ''];
  if (value.includes('@')) throw new UsageError(`${source}: credentials in the URL are not supported (the token goes in WORKSHOP_TOKEN)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source}: "${value}" is not a URL (e.g. ${DEFAULT_GITHUB_API})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source}: "${value}" must be an http(s) URL`);
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    throw new UsageError(`${source}: "${value}" must not have a query or fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

/** 127.0.0.0/8, ::1 or `localhost`: traffic that never leaves this machine (URL has normalised the forms). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The token travels as `Authorization: Bearer` to the API URL: over plain http anyone on the path could read it
 * (a misconfigured WORKSHOP_GITHUB_API). Refused as bad input (exit 2), unless the host is loopback (a stand-in on
 * this machine, as the tests use). Checked once the config is loaded (the token may come from the file), and with
 * --avatars generated too, like parseGithubApi. The message names the URL, never the token.
 */
export function checkGithubApiForToken(apiUrl: string, hasToken: boolean): void {
  if (!hasToken) return;
  const url = new URL(apiUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `--github-api/WORKSHOP_GITHUB_API "${apiUrl}": plain http would send the token unencrypted; use https (http only to a loopback host)`,
    );
  }
}
