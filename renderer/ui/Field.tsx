// A labelled form field with help text and an inline error, wired with aria-describedby so
// screen readers read the error with the control.
import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

export interface FieldProps {
  label: string;
  help?: ReactNode;
  error?: string | undefined;
  hints?: readonly string[];
  className?: string;
  children: ReactElement<{ id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}

export function Field({ label, help, error, hints, className, children }: FieldProps): ReactNode {
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help ? helpId : '', error ? errorId : '', hints?.length ? `${id}-hints` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {help ? (
        <span className="help" id={helpId}>
          {help}
        </span>
      ) : null}
      {error ? (
        <span className="error" id={errorId}>
          {error}
        </span>
      ) : null}
      {hints?.length ? (
        <span className="hint" id={`${id}-hints`}>
          {hints.join(' ')}
        </span>
      ) : null}
    </div>
  );
}
