/** A field's validation message, linked to its input by id (aria-describedby). */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return <span id={id} className="field-error" role="alert" data-testid={`error-${id}`}>{message}</span>;
}
