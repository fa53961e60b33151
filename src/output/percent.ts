/** A share of reads in basis points as people write it: 500 → `5%`, 1225 → `12.25%`. */
export const percent = (bp: number): string => `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)}%`;
