// app.saveFile in the desktop app: the person picks the place in a native save dialog, and the
// file is written owner-only (0600): CSV results and servers.json may hold connection data.
import path from 'node:path';
import type { CallInput, CallOutput } from '../../shared/contract.js';
import { writePrivateFile } from '../interop/outputFile.js';

export interface SaveDialog {
  (options: { defaultPath: string }): Promise<{ canceled: boolean; filePath?: string | undefined }>;
}

export function createSaveFile(deps: { showSaveDialog: SaveDialog; downloadsDir: () => string }) {
  return async ({ suggestedName, text }: CallInput<'app.saveFile'>): Promise<CallOutput<'app.saveFile'>> => {
    const r = await deps.showSaveDialog({ defaultPath: path.join(deps.downloadsDir(), suggestedName) });
    if (r.canceled || !r.filePath) return { saved: false, path: null };
    await writePrivateFile(r.filePath, text);
    return { saved: true, path: r.filePath };
  };
}
