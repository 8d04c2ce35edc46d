// The SQL editor: CodeMirror 6 with the PostgreSQL dialect. CodeMirror injects its styles with
// style-mod, which uses a <style> element on a document (blocked by style-src 'self') but
// constructable stylesheets (adoptedStyleSheets, not subject to CSP) inside a shadow root — so
// the editor lives in a shadow root and the page needs neither 'unsafe-inline' nor a nonce.
import { forwardRef, useEffect, useImperativeHandle, useRef, type ReactNode } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, StateEffect, StateField, RangeSet } from '@codemirror/state';
import { Decoration, keymap, type DecorationSet } from '@codemirror/view';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
// lang-sql's own dependency (always installed with it): closes the completion list on run.
import { closeCompletion } from '@codemirror/autocomplete';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { statementAt, type RunnableSql } from './statementAt.js';

export type { RunnableSql };

export interface SqlEditorHandle {
  /** The selection if there is one, else the statement under the cursor, else everything. */
  runnable(): RunnableSql;
  setText(text: string): void;
  getText(): string;
  /** Marks the error at a 0-based document offset (null clears). */
  markError(offset: number | null): void;
  focus(): void;
}

export interface SqlEditorProps {
  initialText: string;
  label: string;
  onRun: () => void;
  onCancel: () => void;
}

const setErrorMark = StateEffect.define<number | null>();
const errorMark = Decoration.mark({ class: 'cm-pg-error', attributes: { title: 'Error here' } });
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorMark)) continue;
      if (e.value === null) next = Decoration.none;
      else {
        const doc = tr.state.doc;
        const from = Math.min(Math.max(0, e.value), Math.max(0, doc.length - 1));
        // Mark the word at the error so it is visible even for a single character.
        let to = from + 1;
        while (to < doc.length && /\w/.test(doc.sliceString(to, to + 1))) to++;
        next = doc.length === 0 ? Decoration.none : RangeSet.of([errorMark.range(from, Math.min(to, doc.length))]);
      }
    }
    if (tr.docChanged && !tr.effects.some((e) => e.is(setErrorMark))) next = Decoration.none;
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Colours come from the page's CSS custom properties, which inherit into the shadow root.
const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', color: 'var(--text)', backgroundColor: 'var(--bg-raised)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--accent)' },
  '.cm-gutters': { backgroundColor: 'var(--bg-sunken)', color: 'var(--text-faint)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent-soft) 45%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)', color: 'var(--text)' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '-2px' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection': { backgroundColor: 'var(--bg-selected) !important' },
  '.cm-cursor': { borderLeftColor: 'var(--accent)' },
  '.cm-pg-error': { textDecoration: 'underline wavy var(--danger)', backgroundColor: 'var(--danger-soft)' },
  '.cm-tooltip': { backgroundColor: 'var(--bg-raised)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)' },
  // The kind icons are emoji glyphs: boxes where no emoji font is installed (many Linux desktops).
  '.cm-completionIcon': { display: 'none' },
  '.cm-panels': { backgroundColor: 'var(--bg-sunken)', color: 'var(--text)' },
});

// Accessible contrast in both themes: colours chosen against --bg-raised light (#fff) and dark (#1c2027).
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'light-dark(#0842a0, #7fb2ff)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'light-dark(#0a6b2d, #7ad68f)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'light-dark(#8a3c00, #ffb870)' },
  { tag: tags.comment, color: 'light-dark(#5c6670, #9aa4b0)', fontStyle: 'italic' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: 'light-dark(#6f32c9, #c9a8ff)' },
  { tag: tags.operator, color: 'light-dark(#3d4650, #c8d0da)' },
]);

export const SqlEditor = forwardRef<SqlEditorHandle, SqlEditorProps>(function SqlEditor({ initialText, label, onRun, onCancel }, ref): ReactNode {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  // Latest callbacks without recreating the editor.
  const callbacks = useRef({ onRun, onCancel });
  callbacks.current = { onRun, onCancel };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const mount = document.createElement('div');
    mount.className = 'cm-mount';
    shadow.replaceChildren(mount);
    const runKeys = keymap.of([
      {
        key: 'Mod-Enter',
        preventDefault: true,
        run: (v) => {
          // An open completion list would cover the results and swallow the next click.
          closeCompletion(v);
          callbacks.current.onRun();
          return true;
        },
      },
      { key: 'Escape', run: () => (callbacks.current.onCancel(), false) },
    ]);
    const view = new EditorView({
      parent: mount,
      root: shadow,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          runKeys,
          basicSetup,
          sql({ dialect: PostgreSQL, upperCaseKeywords: false }),
          syntaxHighlighting(highlight),
          theme,
          errorField,
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
        ],
      }),
    });
    // The shadow host fills its container; the editor fills the host.
    mount.style.height = '100%';
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
    // The editor is created once per mount; text changes go through the handle.
  }, []);

  useImperativeHandle(ref, () => ({
    runnable() {
      const view = viewRef.current;
      if (!view) return { sql: '', offset: 0 };
      const { state } = view;
      const sel = state.selection.main;
      const text = state.doc.toString();
      if (!sel.empty) return { sql: state.sliceDoc(sel.from, sel.to), offset: sel.from };
      return statementAt(text, sel.head);
    },
    setText(text) {
      const view = viewRef.current;
      view?.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
    },
    getText: () => viewRef.current?.state.doc.toString() ?? '',
    markError(offset) {
      const view = viewRef.current;
      if (!view) return;
      view.dispatch({ effects: setErrorMark.of(offset), ...(offset !== null ? { selection: { anchor: Math.min(offset, view.state.doc.length) }, scrollIntoView: true } : {}) });
    },
    focus: () => viewRef.current?.focus(),
  }));

  return <div className="editor-host" ref={hostRef} data-testid="sql-editor" />;
});
