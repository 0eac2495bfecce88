/** style/*.raw.css: JupyterLab's webpack config imports these as their text (asset/source). */
declare module '*.raw.css' {
  const css: string;
  export default css;
}
