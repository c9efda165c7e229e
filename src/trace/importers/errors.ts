/** A file whose format cannot be told or read; the message says why and lists what is supported. */
export class UnknownFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownFormatError";
  }
}
