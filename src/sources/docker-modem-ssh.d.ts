/** docker-modem's ssh connection factory (lib/ssh.js), which its package ships without types. */
declare module 'docker-modem/lib/ssh.js' {
  import type { Agent } from 'node:http';
  export default function sshAgent(options: Record<string, unknown>): Agent;
}
