// Vite bundles CSS imported for its side effects.
declare module '*.css';
// Vite emits a file imported with `?url` as an asset of the bundle and gives its address.
declare module '*?url' {
  const url: string;
  export default url;
}
