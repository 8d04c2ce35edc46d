// An error the user must see, announced to screen readers at once (role="alert").
import type { ReactNode } from 'react';

export function ErrorAlert({ children }: { children: ReactNode }): ReactNode {
  return (
    <div className="alert error" role="alert">
      {children}
    </div>
  );
}
