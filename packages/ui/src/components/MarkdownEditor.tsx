import { markdown } from '@codemirror/lang-markdown';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { useEffect, useRef } from 'react';

interface MarkdownEditorProps {
  readonly value: string;
  /** Changes when the text is replaced from outside (a load, a restore), not by typing. */
  readonly revision: number;
  readonly readOnly: boolean;
  readonly label: string;
  readonly onChange: (value: string) => void;
}

/** CodeMirror 6 with Markdown. Uncontrolled while typing; `revision` resets it to `value`. */
export default function MarkdownEditor({ value, revision, readOnly, label, onChange }: MarkdownEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

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
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = undefined;
    };
    // A new revision (the text replaced from outside) or mode rebuilds the editor; typing does not.
  }, [revision, readOnly, label]);

  return <div ref={host} className="markdown-editor" data-testid="markdown-editor" />;
}
