/** esbuild loads .css files as text (scripts/build.mjs). */
declare module "*.css" {
  const text: string;
  export default text;
}
