/**
 * The paste provider acts only on the exact text the gallery's "Copy markdown link" copied last
 * (SEC-09: nothing from the clipboard is taken as a path or an id; the id comes from our own record).
 */
import { strict as assert } from 'node:assert';
import { CopiedLinks } from '../../src/ui/documents/copiedLinks';

describe('copied gallery links (paste recognition)', () => {
  it('knows nothing before a copy, then only the last copied text (surrounding whitespace aside)', () => {
    const links = new CopiedLinks();
    assert.equal(links.hasCopied(), false);
    assert.equal(links.generationIdOf('![a](x.png)'), undefined);

    links.remember('![a](assets/a.png)', 'gen-a');
    links.remember('![b](assets/b.png)', 'gen-b');
    assert.equal(links.hasCopied(), true);
    assert.equal(links.generationIdOf('![b](assets/b.png)'), 'gen-b');
    assert.equal(links.generationIdOf('  ![b](assets/b.png)\n'), 'gen-b', 'a trailing newline from the clipboard still matches');
    assert.equal(links.generationIdOf('![a](assets/a.png)'), undefined, 'an older copy is no longer ours');
    assert.equal(links.generationIdOf('![b](assets/b.png) and more'), undefined, 'edited text is plain text');
  });
});
