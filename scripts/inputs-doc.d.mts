/** docs/inputs.md from the text of action.yml (before prettier). */
export function inputsDoc(actionYml: string): string;
