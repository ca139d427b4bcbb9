/**
 * Constants of `backpressure-kit/mock` that tests and examples use.
 */

/**
 * The API key a mock accepts when started without `keys`: 32 hex characters, the shape of a
 * real key, so clients that check the format accept it.
 *
 * @example
 * ```ts
 * const mock = await startMockSolver();
 * const solver = createSolver({ apiKey: DEFAULT_MOCK_KEY, baseUrl: mock.url });
 * ```
 */
export const DEFAULT_MOCK_KEY = '0123456789abcdef0123456789abcdef';

/**
 * A small valid PNG (40x16, 724 bytes) in base64, for image tasks: the mock rejects bodies
 * that are not PNG, JPEG, GIF, BMP or WebP, or are smaller than `minImageBytes` (100).
 *
 * @example
 * ```ts
 * await solver.solve({ type: 'image', body: SAMPLE_IMAGE_BASE64 });
 * ```
 */
export const SAMPLE_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAACgAAAAQCAAAAABBvGJxAAACm0lEQVR4AQGQAm/9AAAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wAA/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wD//wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wAAAP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8AAP8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8AAP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAAAA//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AP//AP8AAP8A/wD//wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD/AAD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wAA/wD/AP8AAP8A/wD//wD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP//AP8A/wAA/wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP//AP8A//8A/wD/AAD/AP8A//8A/wD//wD/AP8AAP8A/wD//wD/AP+VmFG93qFpjAAAAABJRU5ErkJggg==';
