/**
 * The `error_text` of JSON error answers. 2captcha sends one with each JSON error
 * (`{"status":0,"request":"ERROR_WRONG_USER_KEY","error_text":"…"}`) and clients show it as the
 * message. The wording here is the mock's own summary of each code's documented meaning, not
 * the services' exact text: clients must branch on `request`, never on `error_text`.
 */
const ERROR_TEXTS: Readonly<Record<string, string>> = {
  ERROR_WRONG_USER_KEY: 'The key parameter has the wrong format: an API key has 32 characters.',
  ERROR_KEY_DOES_NOT_EXIST: 'The API key you provided does not exist.',
  ERROR_ZERO_BALANCE: 'No free threads or funds left on this account.',
  ERROR_NO_SLOT_AVAILABLE: 'No slot is available for your task now; retry in a few seconds.',
  ERROR_PAGEURL: 'The pageurl parameter is missing.',
  ERROR_WRONG_GOOGLEKEY: 'The googlekey parameter is missing.',
  ERROR_GOOGLEKEY: 'The googlekey parameter is blank or malformed.',
  ERROR_BAD_PARAMETERS: 'A required parameter is missing or has a wrong format.',
  ERROR_ZERO_CAPTCHA_FILESIZE: 'The image is empty or too small.',
  ERROR_TOO_BIG_CAPTCHA_FILESIZE: 'The image is too big.',
  ERROR_WRONG_FILE_EXTENSION: 'The image has an unsupported extension or is not valid base64.',
  ERROR_IMAGE_TYPE_NOT_SUPPORTED: 'The image format is not recognised.',
  ERROR_IP_NOT_ALLOWED: 'Requests with this key are not allowed from your IP address.',
  IP_BANNED: 'Your IP address is banned after too many requests with wrong keys.',
  MAX_USER_TURN: 'Too many in.php requests in a short time; the account is paused briefly.',
  ERROR_WRONG_ID_FORMAT: 'The captcha id has a wrong format: ids are numeric.',
  ERROR_WRONG_CAPTCHA_ID: 'The captcha id is unknown or has expired.',
  ERROR_CAPTCHA_UNSOLVABLE: 'The workers could not solve the captcha; you are not charged.',
  ERROR_EMPTY_ACTION: 'The action parameter is missing.',
  ERROR_REPORT_NOT_RECORDED: 'The report was not recorded.',
  ERROR_DUPLICATE_REPORT: 'This captcha has already been reported.',
  ERROR_SERVER_ERROR: 'Temporary server error; retry later.',
  ERROR_INTERNAL_SERVER_ERROR: 'Temporary server error; retry later.',
};

/** The description sent as `error_text` with `code` in JSON mode. */
export function errorText(code: string): string {
  const known = ERROR_TEXTS[code];
  if (known !== undefined) return known;
  if (/^ERROR: \d+$/.test(code))
    return 'Request limit exceeded: the account is suspended for a while.';
  return `Error ${code}.`;
}
