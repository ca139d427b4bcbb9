/**
 * Provider profiles. CaptchaAI copies 2captcha's v1 protocol, but a few codes mean different
 * things (most of all `ERROR_ZERO_BALANCE`), so the classification is per provider.
 */

/** A supported provider. */
export type ProviderName = 'captchaai' | '2captcha';

/** Every supported provider. */
export const providerNames: readonly ProviderName[] = ['captchaai', '2captcha'];

/** Static facts about a provider. */
export interface ProviderProfile {
  /** The provider's name in options (`provider`). */
  readonly name: ProviderName;
  /** Human name for messages. */
  readonly label: string;
  /** The https endpoint `in.php` and `res.php` live under. */
  readonly baseUrl: string;
  /**
   * The largest image (decoded bytes) the provider documents: CaptchaAI 1024 KB, 2captcha
   * 600 KB (its API v1 page). A larger image task is refused before any request.
   */
  readonly maxImageBytes: number;
}

/**
 * The profiles, by name.
 *
 * @example
 * ```ts
 * providers.captchaai.baseUrl; // 'https://ocr.captchaai.com'
 * ```
 */
export const providers: Readonly<Record<ProviderName, ProviderProfile>> = {
  captchaai: {
    name: 'captchaai',
    label: 'CaptchaAI',
    baseUrl: 'https://ocr.captchaai.com',
    maxImageBytes: 1024 * 1024,
  },
  '2captcha': {
    name: '2captcha',
    label: '2captcha',
    baseUrl: 'https://2captcha.com',
    maxImageBytes: 600 * 1024,
  },
};
