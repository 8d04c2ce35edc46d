// The Azure pre-flight findings of a server or a connect, each with what to do. Shared by the
// connect progress, the connect diagnostics and the Browse Azure details. A finding with the
// "Allow my IP" fix gets its button; the caller shows the confirmation.
import type { ReactNode } from 'react';
import type { PreflightFinding } from '../../../shared/azure.js';

const SEVERITY: Record<PreflightFinding['severity'], { label: string; tone: string }> = {
  error: { label: 'Problem', tone: 'bad' },
  warning: { label: 'Warning', tone: 'warn' },
  info: { label: 'Note', tone: 'info' },
};

export function PreflightFindings({ findings, onFix, label = 'Azure checks' }: { findings: readonly PreflightFinding[]; onFix?: (finding: PreflightFinding) => void; label?: string }): ReactNode {
  if (findings.length === 0) return null;
  return (
    <ul className="findings" aria-label={label} data-testid="preflight-findings">
      {findings.map((f) => {
        const s = SEVERITY[f.severity];
        return (
          <li key={`${f.id}:${f.message}`} className={`finding ${f.severity}`} data-finding={f.id}>
            <span className={`badge ${s.tone}`}>{s.label}</span>
            <div className="stack tight">
              <strong>{f.message}</strong>
              <span>{f.action}</span>
              {f.fix && onFix ? (
                <span>
                  <button type="button" className="small primary" onClick={() => onFix(f)}>
                    Allow my IP…
                  </button>
                </span>
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
