/**
 * Task objects: what to solve. A discriminated union on `type`; the CLI reads the same objects
 * as JSON Lines. This file holds only types, so everything may import it.
 */

/** Fields any task may carry; the solver ignores them, pipelines use them. */
export interface TaskBase {
  /** Your own id for the task, echoed in results. */
  id?: string | number;
  /** Higher runs first where a stage orders by priority (e.g. `shed`). */
  priority?: number;
}

/** reCAPTCHA v2 (checkbox or invisible). */
export interface RecaptchaV2Task extends TaskBase {
  /** The kind of task. */
  type: 'recaptcha-v2';
  /** The `data-sitekey` (sent as `googlekey`). */
  sitekey: string;
  /** Full URL of the page showing the captcha. */
  pageurl: string;
  /** An invisible reCAPTCHA (sent as `invisible=1`). */
  invisible?: boolean;
}

/** reCAPTCHA v3 (score based). */
export interface RecaptchaV3Task extends TaskBase {
  /** The kind of task. */
  type: 'recaptcha-v3';
  /** The site key (sent as `googlekey`). */
  sitekey: string;
  /** Full URL of the page showing the captcha. */
  pageurl: string;
  /** The page's `action` value. */
  action?: string;
  /** Minimum score wanted, from 0.1 to 0.9 (sent as `min_score`). */
  minScore?: number;
}

/** hCaptcha. */
export interface HCaptchaTask extends TaskBase {
  /** The kind of task. */
  type: 'hcaptcha';
  /** The `data-sitekey`. */
  sitekey: string;
  /** Full URL of the page showing the captcha. */
  pageurl: string;
}

/** Cloudflare Turnstile. */
export interface TurnstileTask extends TaskBase {
  /** The kind of task. */
  type: 'turnstile';
  /** The widget's site key. */
  sitekey: string;
  /** Full URL of the page showing the captcha. */
  pageurl: string;
  /** The widget's `action` value. */
  action?: string;
  /** The `cData` value. */
  data?: string;
}

/** A normal image captcha. */
export interface ImageTask extends TaskBase {
  /** The kind of task. */
  type: 'image';
  /** The image, base64 encoded (no `data:` prefix). */
  body: string;
}

/** Anything the solver can solve. */
export type Task = RecaptchaV2Task | RecaptchaV3Task | HCaptchaTask | TurnstileTask | ImageTask;

/** The `type` of a task. */
export type TaskType = Task['type'];

/** Every task type, in a stable order. */
export const taskTypes: readonly TaskType[] = [
  'recaptcha-v2',
  'recaptcha-v3',
  'hcaptcha',
  'turnstile',
  'image',
];
