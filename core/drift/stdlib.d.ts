// The @stdlib packages ship JavaScript without type declarations.
declare module '@stdlib/math-base-special-gammainc' {
  export default function gammainc(
    x: number,
    s: number,
    regularized?: boolean,
    upper?: boolean,
  ): number;
}
declare module '@stdlib/stats-base-dists-normal-cdf' {
  export default function cdf(x: number, mu: number, sigma: number): number;
}
declare module '@stdlib/stats-base-dists-t-cdf' {
  export default function cdf(x: number, v: number): number;
}
