// The toast at the bottom of the main area: one short message at a time, gone after five seconds
// (a newer message replaces it and restarts the clock).
import { useCallback, useRef, useState } from 'react';

const TOAST_MS = 5000;

export interface Notifications {
  /** The message on screen, or null. */
  toast: string | null;
  notify: (text: string) => void;
}

export function useNotifications(): Notifications {
  const [toast, setToast] = useState<string | null>(null);
  const toastTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const notify = useCallback((text: string) => {
    setToast(text);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => setToast(null), TOAST_MS);
  }, []);

  return { toast, notify };
}
