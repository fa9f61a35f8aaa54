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
}

/** The cited passage, marked; it moves with edits around it. */
function citedPassage(start: number, end: number): Extension {
  return StateField.define<DecorationSet>({
    create: () => Decoration.set([Decoration.mark({ class: 'cm-cited', attributes: { 'data-testid': 'cited-passage' } }).range(start, end)]),
    update: (marks, tr) => marks.map(tr.changes),
    provide: (field) => EditorView.decorations.from(field),
  });
}

/** CodeMirror 6 with Markdown. Uncontrolled while typing; `revision` resets it to `value`. */
export default function MarkdownEditor({ value, revision, readOnly, label, onChange, highlight }: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const mark = highlight && highlight.start < highlight.end && highlight.end <= value.length ? highlight : undefined;
  const markStart = mark?.start;
  const markEnd = mark?.end;

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          markdown(),
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
