/**
 * Image checks of the services: size limits and a recognised image format.
 */

function startsWith(bytes: Buffer, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[at + i] !== signature[i]) return false;
  return true;
}

/** Whether `bytes` starts like a PNG, JPEG, GIF, BMP or WebP file. */
export function isSupportedImage(bytes: Buffer): boolean {
  return (
    startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) || // PNG
    startsWith(bytes, [0xff, 0xd8, 0xff]) || // JPEG
    startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) || // GIF8
    startsWith(bytes, [0x42, 0x4d]) || // BMP
    (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) // RIFF....WEBP
  );
}

const BASE64 = /^[A-Za-z0-9+/\-_]+={0,2}$/;

/**
 * Checks an image and returns the services' error code, or `undefined` when it is fine.
 * `base64` is the `body` of `method=base64` (a `data:` prefix is tolerated, as the services do).
 */
export function checkImage(
  image: Buffer | string | undefined,
  minBytes: number,
  maxBytes: number,
): string | undefined {
  let bytes: Buffer;
  if (typeof image === 'string') {
    const clean = image.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
    if (clean.length === 0) return 'ERROR_ZERO_CAPTCHA_FILESIZE';
    if (!BASE64.test(clean)) return 'ERROR_WRONG_FILE_EXTENSION';
    bytes = Buffer.from(clean, 'base64');
  } else if (image === undefined) {
    return 'ERROR_ZERO_CAPTCHA_FILESIZE';
  } else {
    bytes = image;
  }
  if (bytes.length < minBytes) return 'ERROR_ZERO_CAPTCHA_FILESIZE';
  if (bytes.length > maxBytes) return 'ERROR_TOO_BIG_CAPTCHA_FILESIZE';
  if (!isSupportedImage(bytes)) return 'ERROR_IMAGE_TYPE_NOT_SUPPORTED';
  return undefined;
}
