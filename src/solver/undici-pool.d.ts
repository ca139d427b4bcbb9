// undici publishes no types for its files one by one: this one is undici's Pool class.
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export = Pool;
}
