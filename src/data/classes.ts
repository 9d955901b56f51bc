/** Expression class names shared by every data set, and each set's presets. */

export const EXPRESSIONS = ['anger', 'contempt', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral'] as const;
export type Expression = (typeof EXPRESSIONS)[number];

/** Orders class names as EXPRESSIONS does; names outside it (folder sets) follow, sorted. */
export function canonicalOrder(names: Iterable<string>): string[] {
  const rank = (n: string) => {
    const i = (EXPRESSIONS as readonly string[]).indexOf(n);
    return i < 0 ? EXPRESSIONS.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Class sets by data set kind: `paper` reproduces the paper's, `all` takes every labelled class. */
export const CLASS_PRESETS: Record<string, Record<string, readonly string[]>> = {
  // CK+: the paper's 6 (no contempt); `all` adds contempt.
  ckplus: {
    paper: ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise'],
    all: ['anger', 'contempt', 'disgust', 'fear', 'happy', 'sadness', 'surprise'],
  },
  // KDEF: the paper's 6 (no neutral); `all` is KDEF's 7.
  kdef: {
    paper: ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise'],
    all: ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral'],
  },
};
