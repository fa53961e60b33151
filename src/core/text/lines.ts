/**
 * Maps character offsets to 1-based line numbers in O(log n). Lines are counted by LF, as
 * editors' `file:line`, grep and git count them, whatever parser produced the offset. The
 * table is built on first use, so a file that yields nothing costs nothing.
 */
export function lineLocator(text: string): (offset: number) => number {
  let starts: number[] | null = null;
  const build = (): number[] => {
    const s = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) s.push(i + 1);
    return s;
  };
  return (offset: number) => {
    starts ??= build();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
