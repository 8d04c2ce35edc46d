// The sandboxed preload (bundled to CommonJS): exposes window.pgentra, built from the contract's
// names, through contextBridge. Nothing else from Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadApi } from './ipc/preloadApi.js';

contextBridge.exposeInMainWorld('pgentra', buildPreloadApi(ipcRenderer));
