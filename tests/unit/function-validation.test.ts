import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFunctionFile } from '../../core/functions/parse-file';
import { validateFunction } from '../../core/functions/validate';
import { problemsOf } from '../support/problems';

const SOURCE = 'functions/welcome.yaml';

/** A small valid function; `patch` replaces top-level fields. */
function fn(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'welcome',
    triggers: [{ event: 'user/signed.up' }],
    steps: { a: { runtime: { type: 'http', url: 'https://example.com/a' }, after: [{ step: '$trigger' }] } },
    ...patch,
  };
}

/** One step `a` after $trigger, with `b` shaped by `step` (its runtime defaults to http). */
function withStep(step: Record<string, unknown>): Record<string, unknown> {
  const base = fn().steps as Record<string, unknown>;
  return fn({ steps: { ...base, b: { runtime: { type: 'http', url: 'https://example.com/b' }, after: [{ step: 'a' }], ...step } } });
}

const validating = (raw: unknown) => problemsOf(() => validateFunction(raw, SOURCE));

describe('validateFunction', () => {
  describe('valid functions', () => {
    it('accepts the SPEC example and keeps it as written', () => {
      // Prepare
      const text = readFileSync(join(__dirname, 'fixtures', 'functions', 'welcome.yaml'), 'utf8');

      // Act
      const definition = parseFunctionFile(SOURCE, text);

      // Assess
      expect(definition.id).toBe('welcome-flow');
      expect(definition.name).toBe('Welcome flow');
      expect(definition.triggers).toEqual([{ event: 'user/signed.up', expression: "event.data.plan == 'pro'" }, { cron: '0 9 * * MON' }]);
      expect(definition.steps['send-email']?.after[0]?.wait).toBe('10m');
      expect(definition.steps['follow-up']?.after[0]?.async).toEqual({
        event: 'email/opened', match: "async.data.email_id == steps['send-email'].email_id", ttl: '3d', onTimeout: true,
      });
    });

    it('defaults name to the id and returns a copy', () => {
      // Prepare
      const raw = fn();

      // Act
      const definition = validateFunction(raw, SOURCE);

      // Assess
      expect(definition.name).toBe('welcome');
      expect(definition.steps).not.toBe(raw.steps);
      expect(definition.steps).toEqual(raw.steps);
    });

    it('accepts a docker runtime with every option, fan-out and fan-in', () => {
      // Prepare
      const raw = fn({
        retries: { attempts: 0 },
        cancel: [{ event: 'user/deleted' }],
        steps: {
          a: { runtime: { type: 'http', url: 'http://localhost:3000/a', timeout: '30s' }, after: [{ step: '$trigger' }] },
          b: {
            runtime: { type: 'docker', image: 'mailer:1.2', timeout: '1h', memory: '1Gi', cpus: 0.5, entrypoint: ['node', 'main.js'], env: { MODE: 'fast', _X: '' } },
            retries: { attempts: 20 },
            after: [{ step: 'a', if: 'response.status == 200' }],
          },
          c: { runtime: { type: 'http', url: 'https://example.com/c' }, after: [{ step: 'a' }, { step: 'b', wait: '1h30m' }] },
        },
      });

      // Act
      const definition = validateFunction(raw, SOURCE);

      // Assess
      expect(Object.keys(definition.steps)).toEqual(['a', 'b', 'c']);
    });

    it.each(['256Mi', '1Gi', '512M', '2G', '268435456'])('accepts memory %j', (memory) => {
      // Act
      const definition = validateFunction(withStep({ runtime: { type: 'docker', image: 'x', memory } }), SOURCE);

      // Assess
      expect(definition.steps.b?.runtime).toMatchObject({ memory });
    });
  });

  describe('the function', () => {
    it.each([
      [null, [`${SOURCE}: must be a function (an object), got nothing`]],
      [[], [`${SOURCE}: must be a function (an object), got a list`]],
      ['id: x', [`${SOURCE}: must be a function (an object), got string "id: x"`]],
    ])('rejects %j as a whole', (raw, expected) => {
      // Act
      const problems = validating(raw);

      // Assess
      expect(problems).toEqual(expected);
    });

    it('collects every problem, each naming the file, the field and the fix', () => {
      // Prepare
      const raw = { name: '', triggers: [], steps: {} };

      // Act
      const problems = validating(raw);

      // Assess
      expect(problems).toEqual([
        `${SOURCE}: id: required: a unique id made of a-z, 0-9 and -`,
        `${SOURCE}: name: must be a non-empty string (or leave it out to use the id)`,
        `${SOURCE}: triggers: required: a non-empty list, e.g. [{ event: "user/signed.up" }] or [{ cron: "0 9 * * MON" }]`,
        `${SOURCE}: steps: required: an object of steps by id, e.g. { send-email: { runtime: {...}, after: [{ step: $trigger }] } }`,
      ]);
    });

    it.each(['Welcome', 'welcome_flow', 'a b'])('rejects the id %j', (id) => {
      // Act
      const problems = validating(fn({ id }));

      // Assess
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${SOURCE}: id: "${id}" may contain only a-z, 0-9 and - \\(e.g. "[a-z0-9-]+"\\)$`))]);
    });

    it('rejects unknown fields at the top, suggesting the closest name', () => {
      // Act
      const problems = validating(fn({ nmae: 'x', trigers: [], zzz: 1 }));

      // Assess
      expect(problems).toEqual([
        `${SOURCE}: nmae: unknown field; did you mean "name"? (fields of a function: id, name, triggers, retries, cancel, steps, concurrency, throttle, rateLimit, debounce, batchEvents, priority, idempotency, singleton, timeouts)`,
        `${SOURCE}: trigers: unknown field; did you mean "triggers"? (fields of a function: id, name, triggers, retries, cancel, steps, concurrency, throttle, rateLimit, debounce, batchEvents, priority, idempotency, singleton, timeouts)`,
        `${SOURCE}: zzz: unknown field (fields of a function: id, name, triggers, retries, cancel, steps, concurrency, throttle, rateLimit, debounce, batchEvents, priority, idempotency, singleton, timeouts)`,
      ]);
    });

    it.each([
      [{ attempts: 21 }, 'retries.attempts: 21: must be a whole number from 0 to 20 (retries after the first try)'],
      [{ attempts: -1 }, 'retries.attempts: -1: must be a whole number from 0 to 20 (retries after the first try)'],
      [{ attempts: 1.5 }, 'retries.attempts: 1.5: must be a whole number from 0 to 20 (retries after the first try)'],
      [{}, 'retries.attempts: missing: must be a whole number from 0 to 20 (retries after the first try)'],
      [{ attempts: 1, max: 2 }, 'retries.max: unknown field (fields of an object like { attempts: 3 }: attempts)'],
      [3, 'retries: must be an object like { attempts: 3 } (an object), got number 3'],
    ])('rejects retries %j', (retries, expected) => {
      // Act
      const problems = validating(fn({ retries }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: ${expected}`]);
    });
  });

  describe('triggers', () => {
    it.each([
      [{ event: 'a', cron: '0 9 * * *' }, 'triggers[0]: has both "event" and "cron": use one per trigger (add a second trigger for the other)'],
      [{}, 'triggers[0]: needs "event" (with an optional "expression") or "cron"'],
      [{ event: '' }, 'triggers[0].event: required: an event name, e.g. "user/signed.up"'],
      [{ event: 'a', expresion: 'true' }, 'triggers[0].expresion: unknown field; did you mean "expression"? (fields of a trigger: event, expression)'],
      [{ cron: '0 9 * * *', expression: 'true' }, 'triggers[0].expression: unknown field (fields of a trigger: cron)'],
      [{ event: 'a', expression: "event.data.plan == 'pro' &&" }, `triggers[0].expression: invalid CEL "event.data.plan == 'pro' &&": Unexpected token: EOF at column 28`],
      [{ event: 'a', expression: true }, 'triggers[0].expression: must be a CEL expression in a string'],
      [{ cron: '* * * *' }, 'triggers[0].cron: "* * * *" is not a five-field cron expression (minute hour day-of-month month day-of-week, UTC), e.g. "0 9 * * MON"'],
      [{ cron: '0 0 0 * * *' }, 'triggers[0].cron: "0 0 0 * * *" is not a five-field cron expression (minute hour day-of-month month day-of-week, UTC), e.g. "0 9 * * MON"'],
      [{ cron: '61 * * * *' }, 'triggers[0].cron: "61 * * * *" is not a valid cron expression: Constraint error, got value 61 expected range 0-59 (e.g. "0 9 * * MON")'],
      ['user/signed.up', 'triggers[0]: must be a trigger (an object), got string "user/signed.up"'],
    ])('rejects %j', (trigger, expected) => {
      // Act
      const problems = validating(fn({ triggers: [trigger] }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: ${expected}`]);
    });

    it('suggests "event" for a typo in a trigger that has neither event nor cron', () => {
      // Act
      const problems = validating(fn({ triggers: [{ evnt: 'a' }] }));

      // Assess
      expect(problems).toEqual([
        `${SOURCE}: triggers[0].evnt: unknown field; did you mean "event"? (fields of a trigger: event, expression, cron)`,
        `${SOURCE}: triggers[0]: needs "event" (with an optional "expression") or "cron"`,
      ]);
    });
  });

  describe('cancel', () => {
    it('accepts event, if and timeout', () => {
      // Act
      const definition = validateFunction(fn({ cancel: [{ event: 'user/deleted', if: 'async.data.id == event.data.id', timeout: '7d' }] }), SOURCE);

      // Assess
      expect(definition.cancel).toEqual([{ event: 'user/deleted', if: 'async.data.id == event.data.id', timeout: '7d' }]);
    });

    it('reports each bad field', () => {
      // Prepare
      const cancel = [{ if: 'async.data.id ==', timeout: '7days', when: 1 }];

      // Act
      const problems = validating(fn({ cancel }));

      // Assess
      expect(problems).toEqual([
        `${SOURCE}: cancel[0].when: unknown field (fields of a cancel rule: event, if, timeout)`,
        `${SOURCE}: cancel[0].event: required: an event name, e.g. "user/signed.up"`,
        `${SOURCE}: cancel[0].if: invalid CEL "async.data.id ==": Unexpected token: EOF at column 17`,
        `${SOURCE}: cancel[0].timeout: "7days" is not a duration after "7d" (use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m)`,
      ]);
    });

    it('must be a list', () => {
      // Act
      const problems = validating(fn({ cancel: { event: 'x' } }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: cancel: must be a list, e.g. [{ event: "user/deleted", if: "async.data.id == event.data.id" }]`]);
    });
  });

  describe('steps and runtimes', () => {
    it.each([
      [{ 'bad id': { runtime: { type: 'http', url: 'https://x' }, after: [{ step: '$trigger' }] } }, 'steps.bad id: step id "bad id" may contain only A-Z, a-z, 0-9, _ and -'],
      [{ a: 'http://x' }, 'steps.a: must be a step (an object), got string "http://x"'],
      [{ a: { runtime: { type: 'http', url: 'https://x' }, after: [{ step: '$trigger' }], retry: 1 } }, 'steps.a.retry: unknown field; did you mean "retries"? (fields of a step: name, runtime, retries, after)'],
      [{ a: { after: [{ step: '$trigger' }] } }, 'steps.a.runtime: required: { type: http, url: ... } or { type: docker, image: ... }'],
      [{ a: { runtime: { type: 'http', url: 'https://x' } } }, 'steps.a.after: required: a non-empty list of parents, e.g. [{ step: $trigger }] to run when the function starts'],
      [{ a: { runtime: { type: 'http', url: 'https://x' }, after: [] } }, 'steps.a.after: required: a non-empty list of parents, e.g. [{ step: $trigger }] to run when the function starts'],
      [{ a: { runtime: { type: 'http', url: 'https://x' }, after: [{ step: '$trigger' }], retries: { attempts: 50 } } }, 'steps.a.retries.attempts: 50: must be a whole number from 0 to 20 (retries after the first try)'],
      [{ a: { runtime: { type: 'http', url: 'https://x' }, after: [{ step: '$trigger' }], name: 5 } }, 'steps.a.name: must be a string'],
    ])('rejects %j', (steps, expected) => {
      // Act
      const problems = validating(fn({ steps }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: ${expected}`]);
    });

    it.each([
      [{ type: 'lambda' }, 'runtime.type: "lambda": must be "http" or "docker"'],
      [{ url: 'https://x' }, 'runtime.type: missing: must be "http" or "docker"'],
      [{ type: 'http' }, 'runtime.url: missing is not an http(s) URL, e.g. "https://api.example.com/step"'],
      [{ type: 'http', url: 'ftp://example.com' }, 'runtime.url: "ftp://example.com" is not an http(s) URL, e.g. "https://api.example.com/step"'],
      [{ type: 'http', url: 'not a url' }, 'runtime.url: "not a url" is not an http(s) URL, e.g. "https://api.example.com/step"'],
      [{ type: 'http', url: 'https://x', timeout: '5 minutes' }, 'runtime.timeout: "5 minutes" is not a duration (use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m)'],
      [{ type: 'http', url: 'https://x', image: 'y' }, 'runtime.image: unknown field (fields of an http runtime: type, url, timeout)'],
      [{ type: 'docker' }, 'runtime.image: required: the image to run, e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com/mailer:1.2"'],
      [{ type: 'docker', image: ' ' }, 'runtime.image: required: the image to run, e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com/mailer:1.2"'],
      [{ type: 'docker', image: 'x', memroy: '1Gi' }, 'runtime.memroy: unknown field; did you mean "memory"? (fields of a docker runtime: type, image, timeout, memory, cpus, entrypoint, env)'],
      [{ type: 'docker', image: 'x', url: 'https://x' }, 'runtime.url: unknown field (fields of a docker runtime: type, image, timeout, memory, cpus, entrypoint, env)'],
      [{ type: 'docker', image: 'x', memory: 256 }, 'runtime.memory: 256 is not a memory size: write it as 256Mi, 1Gi or 512M'],
      [{ type: 'docker', image: 'x', memory: '1GB' }, 'runtime.memory: memory "1GB" is not a quantity (did you mean 1Gi?): write it as 256Mi, 1Gi, 512M or a number of bytes'],
      // Docker reads m as MiB, Kubernetes as milli: refused here as the driver refuses it.
      [{ type: 'docker', image: 'x', memory: '512m' }, 'runtime.memory: memory "512m" is not a quantity (did you mean 512Mi?): write it as 256Mi, 1Gi, 512M or a number of bytes'],
      [{ type: 'docker', image: 'x', cpus: 0 }, 'runtime.cpus: 0: must be a positive number of CPUs, e.g. 0.5 or 2'],
      [{ type: 'docker', image: 'x', cpus: '2' }, 'runtime.cpus: "2": must be a positive number of CPUs, e.g. 0.5 or 2'],
      [{ type: 'docker', image: 'x', entrypoint: 'node main.js' }, 'runtime.entrypoint: must be a non-empty list of strings, e.g. ["node", "main.js"]'],
      [{ type: 'docker', image: 'x', entrypoint: ['node', 1] }, 'runtime.entrypoint: must be a non-empty list of strings, e.g. ["node", "main.js"]'],
      [{ type: 'docker', image: 'x', env: ['A=1'] }, 'runtime.env: must be an object of variable names to string values'],
      [{ type: 'docker', image: 'x', env: { PORT: 8080 } }, 'runtime.env.PORT: 8080: must be a string (quote it in YAML)'],
      [{ type: 'docker', image: 'x', env: { '1X': 'a' } }, 'runtime.env.1X: is not a valid variable name (letters, digits and _, not starting with a digit)'],
    ])('rejects the runtime %j', (runtime, expected) => {
      // Act
      const problems = validating(withStep({ runtime }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: steps.b.${expected}`]);
    });
  });

  describe('edges', () => {
    it.each([
      [[{}], 'after[0].step: required: a step id, or $trigger to run when the function starts'],
      [[{ step: 'b' }], 'after[0].step: "b" is this step itself: a step cannot wait for itself'],
      [[{ step: 'aa' }], 'after[0].step: no step "aa"; did you mean "a"? (use $trigger or one of: a)'],
      [[{ step: 'trigger' }], 'after[0].step: no step "trigger"; did you mean "$trigger"? (use $trigger or one of: a)'],
      [[{ step: 'a' }, { step: 'a', wait: '1m' }], 'after[1].step: "a" is already a parent at after[0]: merge the two entries into one'],
      [[{ step: 'a', if: 'steps.a.ok ==' }], 'after[0].if: invalid CEL "steps.a.ok ==": Unexpected token: EOF at column 14'],
      [[{ step: 'a', wait: '10x' }], 'after[0].wait: "10x" is not a duration (use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m)'],
      [[{ step: 'a', wiat: '10m' }], 'after[0].wiat: unknown field; did you mean "wait"? (fields of an edge: step, if, wait, async)'],
      [[{ step: 'a', wait: '10m', async: { event: 'e', ttl: '1d' } }], 'after[0]: has both "wait" and "async": use either (a delay, or waiting for an event)'],
      [[{ step: 'a', async: { event: 'e' } }], 'after[0].async.ttl: required: how long to wait for the event, e.g. 3d'],
      [[{ step: 'a', async: { ttl: '1d' } }], 'after[0].async.event: required: an event name, e.g. "user/signed.up"'],
      [[{ step: 'a', async: { event: 'e', ttl: '1d', match: '1 +' } }], 'after[0].async.match: invalid CEL "1 +": Unexpected token: EOF at column 4'],
      [[{ step: 'a', async: { event: 'e', ttl: '1d', onTimeout: 'yes' } }], 'after[0].async.onTimeout: must be true or false'],
      [[{ step: 'a', async: { event: 'e', ttl: '1d', timeout: '1d' } }], 'after[0].async.timeout: unknown field (fields of an object like { event: "email/opened", ttl: 3d }: event, match, ttl, onTimeout)'],
      [['a'], 'after[0]: must be an edge (an object), got string "a"'],
    ])('rejects after %j', (after, expected) => {
      // Act
      const problems = validating(withStep({ after }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: steps.b.${expected}`]);
    });

    it('rejects a cycle, naming it in run order', () => {
      // Prepare
      const http = { type: 'http', url: 'https://example.com' };
      const steps = {
        start: { runtime: http, after: [{ step: '$trigger' }] },
        a: { runtime: http, after: [{ step: 'start' }, { step: 'b' }] },
        b: { runtime: http, after: [{ step: 'a' }] },
      };

      // Act
      const problems = validating(fn({ steps }));

      // Assess
      expect(problems).toEqual([`${SOURCE}: steps.a.after: cycle a -> b -> a: these steps wait for each other and would never run; remove one of these edges`]);
    });

    it('rejects a longer cycle once, and a step that waits on it as never running', () => {
      // Prepare
      const http = { type: 'http', url: 'https://example.com' };
      const steps = {
        a: { runtime: http, after: [{ step: 'c' }] },
        b: { runtime: http, after: [{ step: 'a' }] },
        c: { runtime: http, after: [{ step: 'b' }] },
        d: { runtime: http, after: [{ step: '$trigger' }, { step: 'c' }] },
        e: { runtime: http, after: [{ step: '$trigger' }] },
      };

      // Act
      const problems = validating(fn({ steps }));

      // Assess
      expect(problems).toEqual([
        `${SOURCE}: steps.a.after: cycle a -> b -> c -> a: these steps wait for each other and would never run; remove one of these edges`,
        `${SOURCE}: steps.d.after: this step can never run: it waits for "c", which can never run because of a cycle; break the cycle, or make this step wait for $trigger or another step`,
      ]);
    });

    it('reports two separate cycles', () => {
      // Prepare
      const http = { type: 'http', url: 'https://example.com' };
      const steps = {
        root: { runtime: http, after: [{ step: '$trigger' }] },
        a: { runtime: http, after: [{ step: 'b' }] },
        b: { runtime: http, after: [{ step: 'a' }] },
        x: { runtime: http, after: [{ step: 'y' }] },
        y: { runtime: http, after: [{ step: 'x' }] },
      };

      // Act
      const problems = validating(fn({ steps }));

      // Assess
      expect(problems).toEqual([
        expect.stringContaining('steps.a.after: cycle a -> b -> a'),
        expect.stringContaining('steps.x.after: cycle x -> y -> x'),
      ]);
    });
  });
});

describe('parseFunctionFile', () => {
  it('parses JSON', () => {
    // Prepare
    const text = JSON.stringify(fn());

    // Act
    const definition = parseFunctionFile('functions/welcome.json', text);

    // Assess
    expect(definition.id).toBe('welcome');
  });

  it('names the file, line and column of a YAML syntax error', () => {
    // Prepare
    const text = 'id: welcome\ntriggers:\n  - event: a\nsteps:\n  a: [\n  b: 1\n';

    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/bad.yaml', text));

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^functions\/bad\.yaml: line 6, column 3: YAML syntax error: Flow sequence in block collection must be sufficiently indented/)]);
  });

  it('rejects duplicate YAML keys with their line', () => {
    // Prepare
    const text = 'id: welcome\nid: other\n';

    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/dup.yml', text));

    // Assess
    expect(problems).toEqual(['functions/dup.yml: line 2, column 1: YAML syntax error: Map keys must be unique']);
  });

  it('names the line and column of a JSON syntax error', () => {
    // Prepare
    const text = '{\n  "id": "welcome",\n  "triggers": []\n  "steps": {}\n}';

    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/bad.json', text));

    // Assess
    expect(problems).toEqual(["functions/bad.json: line 4, column 3: JSON syntax error: Expected ',' or '}' after property value"]);
  });

  it('reports a truncated JSON file where it ends', () => {
    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/cut.json', '{\n  "id": "a",\n'));

    // Assess
    expect(problems).toEqual(['functions/cut.json: line 3, column 1: JSON syntax error: Expected double-quoted property name']);
  });

  it('reports an empty JSON file', () => {
    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/empty.json', ''));

    // Assess
    expect(problems).toEqual(['functions/empty.json: line 1: JSON syntax error: the file ends too early']);
  });

  it('rejects other extensions', () => {
    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/welcome.toml', 'id = "a"'));

    // Assess
    expect(problems).toEqual(['functions/welcome.toml: not a function file: name it *.json, *.yaml or *.yml']);
  });

  it('validates after parsing, naming the file', () => {
    // Prepare
    const text = 'id: welcome\ntriggers: [{ event: a }]\nsteps:\n  a:\n    runtime: { type: http, url: "https://x" }\n    after: [{ step: $trigger, wait: 10 }]\n';

    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/welcome.yaml', text));

    // Assess
    expect(problems).toEqual(['functions/welcome.yaml: steps.a.after[0].wait: 10 is not a duration (use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m)']);
  });

  it('reports an empty YAML file as not a function', () => {
    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/empty.yaml', ''));

    // Assess
    expect(problems).toEqual(['functions/empty.yaml: must be a function (an object), got nothing']);
  });
});
