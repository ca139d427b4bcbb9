import type { Task } from './task.js';

/**
 * The `in.php` form fields for a validated task (without `key` and `json`, which the transport
 * adds). Names follow the 2captcha v1 protocol that CaptchaAI copies.
 *
 * @example
 * ```ts
 * taskParams({ type: 'turnstile', sitekey: 'k', pageurl: 'https://a.example' });
 * // [['method', 'turnstile'], ['sitekey', 'k'], ['pageurl', 'https://a.example']]
 * ```
 */
export function taskParams(task: Task): [string, string][] {
  switch (task.type) {
    case 'recaptcha-v2': {
      const params: [string, string][] = [
        ['method', 'userrecaptcha'],
        ['googlekey', task.sitekey],
        ['pageurl', task.pageurl],
      ];
      if (task.invisible) params.push(['invisible', '1']);
      return params;
    }
    case 'recaptcha-v3': {
      const params: [string, string][] = [
        ['method', 'userrecaptcha'],
        ['version', 'v3'],
        ['googlekey', task.sitekey],
        ['pageurl', task.pageurl],
      ];
      if (task.action !== undefined) params.push(['action', task.action]);
      if (task.minScore !== undefined) params.push(['min_score', String(task.minScore)]);
      return params;
    }
    case 'hcaptcha':
      return [
        ['method', 'hcaptcha'],
        ['sitekey', task.sitekey],
        ['pageurl', task.pageurl],
      ];
    case 'turnstile': {
      const params: [string, string][] = [
        ['method', 'turnstile'],
        ['sitekey', task.sitekey],
        ['pageurl', task.pageurl],
      ];
      if (task.action !== undefined) params.push(['action', task.action]);
      if (task.data !== undefined) params.push(['data', task.data]);
      return params;
    }
    case 'image':
      return [
        ['method', 'base64'],
        ['body', task.body],
      ];
  }
}
