/** An error the user can fix from the message alone: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
