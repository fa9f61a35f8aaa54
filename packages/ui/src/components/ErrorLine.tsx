/** An engine error in words, announced at once; nothing when there is none. */
export function ErrorLine({ error, small = true }: { readonly error: string | undefined; readonly small?: boolean }) {
  if (!error) return null;
  return (
    <p className={small ? 'error small' : 'error'} role="alert">
      {error}
    </p>
  );
}
