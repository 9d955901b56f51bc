/**
 * The arguments every command takes. Commands share their argument types through modules
 * like this one, which import no command, so that no command imports the CLI's entry point.
 */
export interface GlobalArguments {
  json: boolean;
}
