/** Something the machine lacks (a package, an install, a build). In CI it fails the run, never skips it. */
export class PrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrerequisiteError';
  }
}
