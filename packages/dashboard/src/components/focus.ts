/**
 * After a failed submit, focus goes to the first field the server refused (`aria-invalid`),
 * so keyboard and screen-reader users land on what needs fixing.
 */
export function focusFirstInvalid(form: HTMLElement | null): void {
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
}
