export async function runCli (argv: readonly string[]): Promise<number> {
  return argv.length
}
