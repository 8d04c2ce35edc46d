// Maps app://pgentra/<path> to a file under the renderer's build folder. Pure path logic (the
// electron protocol handler in window.ts uses it): traversal, absolute paths and encoded tricks
// resolve to nothing.
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The file for a request URL, or undefined when it is not inside `root` or not for `host`. */
export function resolveAppFile(requestUrl: string, root: string, host: string): string | undefined {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (u.host !== host) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (rel.includes('\0')) return undefined;
  if (rel === '/' || rel === '') rel = '/index.html';
  const absRoot = path.resolve(root);
  const file = path.resolve(absRoot, `.${path.posix.normalize(rel)}`);
  return file === absRoot || !file.startsWith(absRoot + path.sep) ? undefined : file;
}
