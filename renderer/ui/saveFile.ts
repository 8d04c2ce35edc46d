// Saving text (CSV, servers.json) through the main process's save dialog (app.saveFile), so the
// person picks the place. A main process without that capability answers with
// details.capability = 'saveFile'; then the browser's own download is the fallback.
import { ApiError, call } from '../base/api.js';

export interface SavedFile {
  saved: boolean;
  /** Where it went, when the main process knows (null for a browser download). */
  path: string | null;
}

function browserDownload(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Rejects with ApiError when the main process could not write the file. */
export async function saveTextFile(suggestedName: string, text: string, type: string): Promise<SavedFile> {
  try {
    return await call('app.saveFile', { suggestedName, text });
  } catch (e) {
    if (!(e instanceof ApiError) || e.payload.details?.capability !== 'saveFile') throw e;
    browserDownload(suggestedName, text, type);
    return { saved: true, path: null };
  }
}
