/**
 * Checks the transcripts of 40-devices-oom.sh (first draft: prints both).
 */
export function check(runts: string, runc: string, _stderr: string): void {
  console.log(`--- runts\n${runts}\n--- runc\n${runc}`);
}
