import {hostname, userInfo} from 'node:os'

/**
 * Who is acting, for audit records and kill notes: the login user, and under sudo the person behind
 * it (`alice (as root)`), so a record never hides the human that ran the command.
 */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  let user: string
  try {
    user = userInfo().username
  } catch {
    user = env.USER ?? 'unknown'
  }

  const sudoUser = env.SUDO_USER
  return sudoUser && sudoUser !== user ? `${sudoUser} (as ${user})` : user
}

/** operator@host, as a kill note names who did it. */
export function operatorAtHost(env: NodeJS.ProcessEnv = process.env): string {
  return `${operatorName(env)}@${hostname()}`
}
