// The tab strip: Home, Browse Azure (while open) and one tab per connection, with its state dot.
import type { ReactNode } from 'react';
import type { SessionTab, TabId } from './useSessions.js';

export interface TabBarProps {
  tabs: SessionTab[];
  activeTab: TabId;
  azureOpen: boolean;
  onShow: (id: TabId) => void;
  onCloseAzure: () => void;
  onCloseTab: (tab: SessionTab) => void;
}

export function TabBar({ tabs, activeTab, azureOpen, onShow, onCloseAzure, onCloseTab }: TabBarProps): ReactNode {
  return (
    <nav className="tabs" aria-label="Open connections">
      <span className="tab" data-active={activeTab === 'home'}>
        <button type="button" className="ghost" aria-current={activeTab === 'home' ? 'page' : undefined} onClick={() => onShow('home')}>
          Home
        </button>
      </span>
      {azureOpen ? (
        <span className="tab" data-active={activeTab === 'azure'} data-tab="Browse Azure">
          <button type="button" className="ghost" aria-current={activeTab === 'azure' ? 'page' : undefined} onClick={() => onShow('azure')}>
            Browse Azure
          </button>
          <button type="button" className="close" aria-label="Close Browse Azure" onClick={onCloseAzure}>
            ✕
          </button>
        </span>
      ) : null}
      {tabs.map((t) => {
        const state = t.info ? t.info.state : t.attempt.error ? 'failed' : 'connecting';
        return (
          <span key={t.id} className="tab" data-active={activeTab === t.id} data-tab={t.title}>
            <button type="button" className="ghost" aria-current={activeTab === t.id ? 'page' : undefined} onClick={() => onShow(t.id)}>
              <span className={`dot ${state}`} aria-hidden="true" /> {t.title}
            </button>
            <button type="button" className="close" aria-label={`Close ${t.title}`} onClick={() => onCloseTab(t)}>
              ✕
            </button>
          </span>
        );
      })}
    </nav>
  );
}
