import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { markdown } from '@codemirror/lang-markdown';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, StateField, type Extension } from '@codemirror/state';
import { Decoration, type DecorationSet } from '@codemirror/view';
import { useEffect, useRef } from 'react';

interface MarkdownEditorProps {
  readonly value: string;
  /** Changes when the text is replaced from outside (a load, a restore), not by typing. */
  readonly revision: number;
  readonly readOnly: boolean;
  readonly label: string;
  readonly onChange: (value: string) => void;
  /** A passage to mark and scroll to (a citation opened from Ask), as offsets into `value`. */
  readonly highlight?: { readonly start: number; readonly end: number } | undefined;
  /** Titles to offer after `[[`, for what has been typed since. */
  readonly completeTitles?: (typed: string) => Promise<string[]>;
}

/** The cited passage, marked; it moves with edits around it. */
function citedPassage(start: number, end: number): Extension {
  return StateField.define<DecorationSet>({
    create: () => Decoration.set([Decoration.mark({ class: 'cm-cited', attributes: { 'data-testid': 'cited-passage' } }).range(start, end)]),
    update: (marks, tr) => marks.map(tr.changes),
    provide: (field) => EditorView.decorations.from(field),
  });
}


/**
 * Completion of entry titles after `[[` (CodeMirror's autocompletion, which basicSetup turns on, fed through the
 * language data). Picking one writes the title and closes the link: `]]` is added unless it is there already
 * (basicSetup closes brackets as they are typed).
 */
function titleCompletion(complete: () => ((typed: string) => Promise<string[]>) | undefined) {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const typed = context.matchBefore(/\[\[[^[\]|\n]*$/u);
    const source = complete();
    if (!typed || !source) return null;
    const titles = await source(typed.text.slice(2));
    if (context.aborted || titles.length === 0) return null;
    const apply = (title: string): Completion['apply'] => (view, _completion, from, to) => {
      const closed = view.state.sliceDoc(to, to + 2) === ']]';
      const insert = closed ? title : `${title}]]`;
      view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + insert.length + (closed ? 2 : 0) } });
    };
    return { from: typed.from + 2, options: titles.map((title) => ({ label: title, type: 'text', apply: apply(title) })), filter: false };
  };
}

/** CodeMirror 6 with Markdown. Uncontrolled while typing; `revision` resets it to `value`. */
export default function MarkdownEditor({ value, revision, readOnly, label, onChange, highlight, completeTitles }: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const completeRef = useRef(completeTitles);
  completeRef.current = completeTitles;

  const mark = highlight && highlight.start < highlight.end && highlight.end <= value.length ? highlight : undefined;
  const markStart = mark?.start;
  const markEnd = mark?.end;

  useEffect(() => {
    // One source for the editor's life: autocompletion tells sources apart by identity.
    const titles = [{ autocomplete: titleCompletion(() => completeRef.current) }];
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          markdown(),
          EditorState.languageData.of(() => titles),
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
          ...(markStart !== undefined && markEnd !== undefined ? [citedPassage(markStart, markEnd)] : []),
        ],
      }),
    });
    view.current = editor;
    if (markStart !== undefined) editor.dispatch({ effects: EditorView.scrollIntoView(markStart, { y: 'center' }) });
    return () => {
      editor.destroy();
      view.current = undefined;
    };
    // A new revision (the text replaced from outside) or mode rebuilds the editor; typing does not.
  }, [revision, readOnly, label, markStart, markEnd]);

  return <div ref={host} className="markdown-editor" data-testid="markdown-editor" />;
}
