import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from '../context';
import { ApiError, invalidParams } from '../errors';
import { sendJson } from '../http';
import { findRoute, type Route } from '../router';
import { fileRoutes } from './files';

/**
 * Repository files (oxen-api.md §14): `PUT /api/repos/{ns}/{repo}/file/{branch}/{path}` uploads
 * and commits in one call (multipart, part `file` (deprecated, DOC) or `files[]` (SERVER-SPEC
 * 0.52)), answering a CommitResponse; `GET` on the same path serves the committed bytes.
 *
 * Emulator assumptions where the contract is open: every repository exists and has exactly one
 * branch, `main` (any other branch is 404 "Branch or path not found"); a resource whose last
 * segment has a dot and which receives one file is the file's full path, anything else is a
 * directory the parts' file names go into. Generation results (`result_url`) keep their own route.
 */

interface StoredFile {
  bytes: Buffer;
  contentType: string;
  commitId: string;
}

interface RepoState {
  files: Map<string, StoredFile>;
  head: string | undefined;
}

const BRANCHES = ['main'];
const MAX_FILES = 100;
const stores = new WeakMap<EmulatorContext, Map<string, RepoState>>();

function repoState(ctx: EmulatorContext, namespace: string, repo: string): RepoState {
  let repos = stores.get(ctx);
  if (!repos) stores.set(ctx, (repos = new Map()));
  const key = `${namespace}/${repo}`;
  let state = repos.get(key);
  if (!state) repos.set(key, (state = { files: new Map(), head: undefined }));
  return state;
}

/** Splits `{branch}/{path}` on the longest known branch; undefined when no branch matches. */
function splitResource(resource: string): { branch: string; path: string } | undefined {
  const branch = [...BRANCHES].sort((a, b) => b.length - a.length).find((name) => resource === name || resource.startsWith(`${name}/`));
  if (!branch) return undefined;
  return { branch, path: resource.slice(branch.length + 1) };
}

function cleanPath(path: string): string {
  const parts = path.split('/').filter((part) => part !== '');
  if (parts.some((part) => part === '.' || part === '..' || part.includes('\0'))) throw invalidParams('Invalid path');
  return parts.join('/');
}

interface Part {
  name: string;
  fileName: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** A small multipart/form-data reader (RFC 7578), enough for the repository upload. */
export function parseMultipart(body: Buffer, contentType: string | undefined): Part[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) {
    throw invalidParams('Request body must be multipart/form-data');
  }
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Part[] = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw invalidParams('Malformed multipart body');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start += 2; // CRLF after the delimiter
    const end = body.indexOf(delimiter, start);
    if (end < 0) throw invalidParams('Malformed multipart body');
    const part = body.subarray(start, end - 2); // CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw invalidParams('Malformed multipart part');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw invalidParams('Multipart part without a name');
    parts.push({
      name,
      fileName: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
      data: part.subarray(headerEnd + 4),
    });
    start = end;
  }
  return parts;
}

function commitId(): string {
  return randomBytes(16).toString('hex');
}

export const repoFileRoutes: Route[] = [
  {
    method: 'PUT',
    pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/file\/(.+)$/,
    handle(ctx, { req, res, params: [namespace, repo, resource], body }) {
      const target = splitResource(resource!);
      if (!target) throw new ApiError(404, 'resource_not_found', 'Branch or path not found');
      const parts = parseMultipart(body, req.headers['content-type']);
      const files = parts.filter((part) => (part.name === 'file' || part.name === 'files[]' || part.name === 'files') && part.fileName !== undefined);
      if (files.length === 0) throw invalidParams('No file part (expected "file" or "files[]")');
      if (files.length > MAX_FILES) throw invalidParams('Too many files');
      const field = (name: string) => parts.find((part) => part.name === name && part.fileName === undefined)?.data.toString('utf8');
      const path = cleanPath(target.path);
      const lastSegment = path.slice(path.lastIndexOf('/') + 1);
      const isFilePath = files.length === 1 && lastSegment.includes('.');
      const state = repoState(ctx, namespace!, repo!);
      const id = commitId();
      for (const file of files) {
        const name = cleanPath(file.fileName!);
        if (name === '') throw invalidParams('A file part has no file name');
        const filePath = isFilePath ? path : cleanPath(`${path}/${name}`);
        state.files.set(`${target.branch}/${filePath}`, {
          bytes: Buffer.from(file.data),
          contentType: file.contentType ?? 'application/octet-stream',
          commitId: id,
        });
      }
      const parent = state.head;
      state.head = id;
      sendJson(res, 200, {
        status: 'success',
        status_message: 'resource_created',
        oxen_version: '0.52.0',
        commit: {
          id,
          parent_ids: parent ? [parent] : [],
          message: field('message') ?? 'Upload files',
          author: field('name') ?? 'emulator',
          email: field('email') ?? 'emulator@oxen.invalid',
          timestamp: new Date().toISOString(),
        },
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/file\/(.+)$/,
    handle(ctx, call) {
      const [namespace, repo, resource] = call.params;
      const target = splitResource(resource!);
      const stored = target && repoState(ctx, namespace!, repo!).files.get(`${target.branch}/${target.path}`);
      if (stored) {
        call.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stored.bytes.length });
        call.res.end(stored.bytes);
        return;
      }
      // Not an uploaded file: maybe a generation's result_url.
      const result = findRoute(fileRoutes, 'GET', call.path);
      if (result) return result.route.handle(ctx, { ...call, params: result.params });
      throw new ApiError(404, 'resource_not_found', 'Branch or path not found');
    },
  },
];
