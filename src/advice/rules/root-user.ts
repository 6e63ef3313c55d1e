import type { Rule } from '../context.js';

/** Not a size finding: a container that runs as root turns any escape into root on the host's kernel. */
export const rootUser: Rule = (facts) => {
  const user = facts.input.report.user.trim();
  if (user !== '' && !/^(root|0)(:(root|0))?$/.test(user)) return [];
  return [
    {
      rule: 'root-user',
      key: 'root-user',
      layer: null,
      instruction: null,
      bytes: 0,
      estimate: false,
      message: `the image runs as root (${user ? `USER ${user}` : 'no USER'})`,
      fix: 'add an unprivileged user and `USER` it in the final stage (e.g. `USER nobody`, or `USER node` on node images)',
      paths: [],
    },
  ];
};
