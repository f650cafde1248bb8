import { CATEGORIES, type Category } from '../../../src-shared/api';
import { CATEGORY_WORDS } from '../../../src-shared/vocabulary';

/** Checkboxes for data categories (consent and request forms). */
export function CategoryPicker({ value, onChange, legend }: { value: Category[]; onChange(v: Category[]): void; legend: string }) {
  return (
    <fieldset className="category-picker" data-testid="category-picker">
      <legend>{legend}</legend>
      {CATEGORIES.filter((c) => c !== 'demographics').map((c) => (
        <label key={c} className="check">
          <input
            type="checkbox"
            checked={value.includes(c)}
            onChange={(e) => onChange(e.target.checked ? [...value, c] : value.filter((x) => x !== c))}
            data-testid={`category-${c}`}
          />
          {CATEGORY_WORDS[c]} <code className="chip-code">{c}</code>
        </label>
      ))}
    </fieldset>
  );
}
