/**
 * The daemon's OpenAPI document as TypeScript types. Generated: do not edit by hand.
 * Regenerate with `npm run types` (it starts a harmoniad and reads its /openapi.json);
 * the tests fail while this file differs from what the daemon serves.
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness (no token needed) */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: recovery done, storage writable, accepting work */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/discovery": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What this daemon serves: endpoints, capabilities, event types */
        get: operations["discovery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/discovery": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The same as /discovery (where most Tekton components serve it) */
        get: operations["discovery_v1"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List stored workflows, newest first */
        get: operations["list_workflows"];
        put?: never;
        /**
         * Store a workflow definition
         * @description The body is the workflow file, as YAML or JSON; it is validated as `harmonia validate` does (a template goes to /api/v1/templates).
         */
        post: operations["create_workflow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/workflows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A stored workflow with its document */
        get: operations["get_workflow"];
        /** Replace a stored workflow's definition */
        put: operations["replace_workflow"];
        post?: never;
        /**
         * Delete a stored workflow (its executions stay)
         * @description Refused (409, the message naming them) while inbound hooks start the workflow: delete them first. The answer names its schedules: those of its file removed, those made through the API disabled.
         */
        delete: operations["delete_workflow"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List stored templates, newest first */
        get: operations["list_templates"];
        put?: never;
        /**
         * Import a template
         * @description The body is the template file (`kind: template`, `parameters`, `workflow`), as YAML or JSON, checked as `harmonia validate` does. A name already taken is a 409 unless `?replace=true`.
         */
        post: operations["create_template"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A template (by id or name) with its parameters and document */
        get: operations["get_template"];
        put?: never;
        post?: never;
        /** Delete a template (workflows made from it stay) */
        delete: operations["delete_template"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates/{name}/instantiate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Store a new workflow made from a template with the given parameter values
         * @description Every bad value is reported at once: a 422 whose `details` name each parameter (`field`: `parameters.NAME`); then the workflow the values make is validated as any workflow. Nothing is stored unless all is well.
         */
        post: operations["instantiate_template"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List executions, newest first */
        get: operations["list_executions"];
        put?: never;
        /** Start an execution of a stored workflow or of an inline document */
        post: operations["create_execution"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An execution with every task's state */
        get: operations["get_execution"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel an execution (running tasks are cancelled) */
        post: operations["cancel_execution"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a running execution (start nothing new; running tasks finish) */
        post: operations["pause_execution"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused, failed, canceled or interrupted execution */
        post: operations["resume_execution"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Take a named snapshot of an execution */
        post: operations["checkpoint_execution"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a task and everything downstream of it again */
        post: operations["retry_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of an execution's recorded events, oldest first */
        get: operations["list_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List checkpoints, oldest first */
        get: operations["list_checkpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/checkpoints/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a new execution from a checkpoint */
        post: operations["restore_checkpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a failed, pending, waiting or canceled task completed with a given output */
        post: operations["complete_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/skip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a failed, pending, waiting or canceled task skipped */
        post: operations["skip_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/retry-plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Exactly the tasks a retry of this task would run again, and whether it would be refused */
        get: operations["retry_plan"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/components": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every component workflows may call: kind, endpoint, health and actions */
        get: operations["list_components"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/components/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One component, as the list shows it (404 says where Harmonia looked) */
        get: operations["get_component"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/components/{name}/actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One component's actions, with their input schemas (a remote tool's parameters too) */
        get: operations["list_actions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mcp/v2/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tekton MCP v2: health, with the number of tools */
        get: operations["mcp_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mcp/v2/capabilities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tekton MCP v2: the tool categories */
        get: operations["mcp_capabilities"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mcp/v2/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tekton MCP v2: the 17 tools, parameters as Python type reprs */
        get: operations["mcp_tools"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/mcp/v2/process": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tekton MCP v2: call a tool (HTTP 200 whatever the tool did; see `status`)
         * @description `{"tool_name" (or "toolName"), "arguments", "context"?}`. A tool's failure, an unknown tool and arguments that do not fit answer 200 with `status: "error"` and the reason in `error`.
         */
        post: operations["mcp_process"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List schedules with their next planned times */
        get: operations["list_schedules"];
        put?: never;
        /**
         * Schedule a stored workflow (cron in a time zone, or an interval)
         * @description A bad cron expression, an unknown time zone, an interval <= 0 or an input the workflow does not take is a 422 naming the field; nothing is stored. An unknown `workflow_id` is a 404.
         */
        post: operations["create_schedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A schedule with its latest runs */
        get: operations["get_schedule"];
        put?: never;
        post?: never;
        /** Delete a schedule (the executions it started stay) */
        delete: operations["delete_schedule"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a schedule: nothing starts until it is unpaused */
        post: operations["pause_schedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}/unpause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Unpause a schedule: it counts its planned times from now */
        post: operations["unpause_schedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{id}/run-now": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start one run of a schedule now, whatever its overlap policy */
        post: operations["run_schedule_now"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List inbound hooks (without secrets) */
        get: operations["list_hooks"];
        put?: never;
        /**
         * Create an inbound hook; its secret is in this answer only
         * @description An unknown `workflow_id` is a 404, a name in use a 409, a bad name or an `input_map` naming inputs the workflow does not declare a 422; nothing is stored.
         */
        post: operations["create_hook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hooks/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An inbound hook (without its secret) */
        get: operations["get_hook"];
        put?: never;
        /**
         * Deliver to a hook: start its workflow with the signed JSON body as input
         * @description No bearer token: the signature is the credential. A wrong or missing signature or a timestamp outside the hook's window is a 401 (`details.reason`), a body that is not JSON a 400, an input the workflow does not take a 422; nothing is recorded. A delivery id accepted before answers 200 with the execution it started.
         */
        post: operations["deliver_to_hook"];
        /** Delete an inbound hook (its runs stay) */
        delete: operations["delete_hook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hooks/{name}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Give a hook a new secret (the old one stops working at once) */
        post: operations["rotate_hook_secret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve a task waiting at an approval gate: it completes with the decision */
        post: operations["approve_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/executions/{id}/tasks/{task_id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject a task waiting at an approval gate: it fails, kind `rejected` */
        post: operations["reject_task"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Outbound webhook deliveries with their attempts, newest first
         * @description Each delivery is recorded before its first attempt and keeps its id on every attempt; `pending` ones are retried with backoff until the daemon's attempt limit, then `failed`.
         */
        get: operations["list_webhook_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events/executions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events of one execution: history after Last-Event-ID, then live
         * @description Each message has `id: <seq>`, `event: <type>`, `data: <Event JSON>`. The stream ends after the terminal event unless `follow=true`.
         */
        get: operations["stream_execution"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-Sent Events of every execution, live */
        get: operations["stream_all"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Health */
        Health: {
            /**
             * Status
             * @constant
             */
            status: "ok";
            /** Version */
            version: string;
            /**
             * Component
             * @description Tekton's name for this component.
             * @constant
             */
            component: "harmonia";
            /**
             * Port
             * @description The port the daemon listens on.
             */
            port: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * ErrorBody
         * @description Every error answer, whatever its status.
         */
        ErrorBody: {
            /** Status */
            status: number;
            /**
             * Code
             * @enum {string}
             */
            code: "bad_request" | "unauthorized" | "forbidden_host" | "forbidden_origin" | "not_found" | "method_not_allowed" | "conflict" | "execution_damaged" | "payload_too_large" | "unsupported_media_type" | "validation_error" | "invalid_json" | "internal_error" | "unavailable" | "storage_unavailable";
            /** Message */
            message: string;
            /**
             * Details
             * @default null
             */
            details?: (components["schemas"]["ProblemDetail"] | components["schemas"]["PydanticDetail"])[] | components["schemas"]["StorageDetail"] | null;
        };
        /**
         * ProblemDetail
         * @description One problem of an invalid workflow or input, located as precisely as known.
         */
        ProblemDetail: {
            /** Message */
            message: string;
            /**
             * Field
             * @default null
             */
            field?: string | null;
            /**
             * Line
             * @default null
             */
            line?: number | null;
            /**
             * Task
             * @default null
             */
            task?: string | null;
            /**
             * File
             * @default null
             */
            file?: string | null;
        };
        /**
         * PydanticDetail
         * @description One problem of a malformed request body or query string.
         */
        PydanticDetail: {
            /** Loc */
            loc: (string | number)[];
            /** Msg */
            msg: string;
            /** Type */
            type: string;
        };
        /**
         * StorageDetail
         * @description Why the storage refuses writes (`storage_unavailable`).
         */
        StorageDetail: {
            /**
             * Path
             * @description The file whose write failed, when known.
             */
            path: string | null;
            /**
             * Error
             * @description The system's reason, e.g. `No space left on device`.
             */
            error: string;
        };
        /** Ready */
        Ready: {
            /** Ready */
            ready: boolean;
            /**
             * Status
             * @description Tekton's word: `degraded` while stopping or while the storage refuses writes.
             * @enum {string}
             */
            status: "healthy" | "degraded";
            /**
             * Component
             * @constant
             */
            component: "harmonia";
            /** Version */
            version: string;
            /** Port */
            port: number;
            /** Running Executions */
            running_executions: number;
            /** @description Whether the data folder takes writes; while it does not, `ready` is false and every write answers 503 `storage_unavailable`. */
            storage: components["schemas"]["StorageState"];
            /** @description The registration with Tekton's Hermes; it never makes `ready` false. */
            hermes: components["schemas"]["HermesState"];
            /** @description Where tasks run (`harmoniad --executor`). */
            executor: components["schemas"]["ExecutorState"];
        } & {
            [key: string]: unknown;
        };
        /**
         * ExecutorState
         * @description Where tasks run: open to more fields than these (an executor tells what it knows).
         */
        ExecutorState: {
            /**
             * Executor
             * @description `local`: in the daemon's process; `dask`: shell, python and http tasks on a Dask cluster.
             * @enum {string}
             */
            executor: "local" | "dask";
            /**
             * Scheduler
             * @description The Dask scheduler's address.
             */
            scheduler: string | null;
            /**
             * Workers
             * @description Dask workers connected now.
             */
            workers: number | null;
            /**
             * Threads
             * @description Threads of those workers, all together.
             */
            threads: number | null;
        } & {
            [key: string]: unknown;
        };
        /** HermesState */
        HermesState: {
            /**
             * State
             * @description `off`: no Hermes configured. `registering`: a registration is under way. `unreachable`/`refused`: Hermes did not answer, or answered with an error; retried with backoff. `displaced`: the entry `harmonia` points at another endpoint. `unregistered`: removed at stop.
             * @enum {string}
             */
            state: "off" | "registering" | "registered" | "unreachable" | "refused" | "displaced" | "unregistered";
            /**
             * Url
             * @description The Hermes base URL, while joining one.
             */
            url: string | null;
            /**
             * Component Id
             * @description The id registered (`harmonia`).
             */
            component_id: string | null;
            /**
             * Endpoint
             * @description The URL registered for this daemon.
             */
            endpoint: string | null;
            /**
             * Since
             * @description When the state last changed.
             */
            since: string | null;
            /**
             * Error
             * @description What the last failed exchange with Hermes was.
             */
            error: string | null;
        } & {
            [key: string]: unknown;
        };
        /** StorageState */
        StorageState: {
            /** Available */
            available: boolean;
            /**
             * Error
             * @description While unavailable: what failed, e.g. `storage unavailable: cannot write PATH: No space left on device`.
             */
            error: string | null;
            /**
             * Path
             * @description While unavailable: the file whose write failed.
             */
            path: string | null;
            /**
             * Since
             * @description While unavailable: when the failure began.
             */
            since: string | null;
            /**
             * Stopped Executions
             * @description Executions stopped by the failure; they resume once a write succeeds.
             */
            stopped_executions: string[];
        } & {
            [key: string]: unknown;
        };
        /**
         * Discovery
         * @description Today's fields (`name`, `port`, `event_types`) and Tekton's DiscoveryResponse
         *     (`component`, `description`, `dependencies`, `metadata`).
         */
        Discovery: {
            /**
             * Name
             * @constant
             */
            name: "harmonia";
            /**
             * Component
             * @constant
             */
            component: "harmonia";
            /** Version */
            version: string;
            /** Description */
            description: string;
            /** Port */
            port: number;
            /** Endpoints */
            endpoints: components["schemas"]["EndpointInfo"][];
            /** Capabilities */
            capabilities: string[];
            /**
             * Dependencies
             * @description `hermes` when the daemon joins Tekton.
             */
            dependencies: string[];
            /** Metadata */
            metadata: {
                [key: string]: unknown;
            };
            /** Event Types */
            event_types: string[];
        } & {
            [key: string]: unknown;
        };
        /** EndpointInfo */
        EndpointInfo: {
            /** Method */
            method: string;
            /** Path */
            path: string;
            /** Description */
            description: string;
            /** Tags */
            tags: string[];
        };
        /**
         * WorkflowDocument
         * @description A workflow definition: declared inputs, defaults and a DAG of tasks.
         *
         *     `tasks` holds each task as written; call `effective(task_id)` for the settings the engine
         *     must use. Constructing a `Workflow` directly checks the dependency graph, but not component
         *     names or `${...}` references: `harmonia.loader` does that, with file and line numbers.
         */
        WorkflowDocument: {
            /**
             * Name
             * @description Name of the workflow.
             */
            name: string;
            /**
             * Version
             * @description Version of this definition.
             * @default 1.0.0
             */
            version?: string;
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Input
             * @description Declared inputs, by name.
             */
            input?: {
                [key: string]: components["schemas"]["InputSpec"];
            };
            /**
             * Max Concurrency
             * @description Tasks running at once per execution.
             * @default 16
             */
            max_concurrency?: number;
            /** @description Settings merged into every task. */
            defaults?: components["schemas"]["TaskDefaults"];
            /**
             * Tasks
             * @description The tasks, by id; at least one.
             */
            tasks: {
                [key: string]: components["schemas"]["TaskSpec"];
            };
            /**
             * Output
             * @description The execution's declared outputs, by name: values may hold ${...} references (input, tasks, workflow, execution), rendered when the workflow completes. A `workflow.run` task of a parent workflow returns this mapping.
             */
            output?: {
                [key: string]: unknown;
            };
            /**
             * Executor
             * @description Where the tasks that do not say run: 'local' (in the engine's process) or 'dask' (on the Dask cluster of an engine started with --executor dask). Unset: the engine's choice.
             * @default null
             */
            executor?: ("local" | "dask") | null;
            /**
             * Resources
             * @description Dask worker resources the tasks that do not set their own need, e.g. {GPU: 1, memory: 4e9}: they run only on workers that declare them.
             * @default null
             */
            resources?: {
                [key: string]: number;
            } | null;
            /**
             * Schedules
             * @description Schedules the daemon starts this workflow on once it is stored: each `cron` (+ `timezone`) or `interval`, with `input`, `missed`, `max_missed`, `overlap`, `grace`, `description` (README, Schedules).
             */
            schedules?: {
                [key: string]: unknown;
            }[];
            /**
             * Notify
             * @description URLs the daemon tells of chosen events of this workflow's executions, durably and signed (README, Webhooks out).
             */
            notify?: components["schemas"]["NotifyTarget"][];
        };
        /**
         * InputSpec
         * @description One declared workflow input.
         *
         *     An input without `default` is required. `default: null` makes it optional with the value
         *     null. Constraints only apply to the types they make sense for (`minimum` to numbers,
         *     `min_length` to strings and arrays, `pattern` to strings), and the default must satisfy the
         *     whole spec, so a broken default is found when the file is loaded, not when it is first used.
         */
        InputSpec: {
            /**
             * Type
             * @description JSON type of the value.
             * @default string
             * @enum {string}
             */
            type?: "string" | "integer" | "number" | "boolean" | "object" | "array";
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Minimum
             * @description Smallest allowed number.
             * @default null
             */
            minimum?: number | null;
            /**
             * Maximum
             * @description Largest allowed number.
             * @default null
             */
            maximum?: number | null;
            /**
             * Min Length
             * @description Shortest string or array.
             * @default null
             */
            min_length?: number | null;
            /**
             * Max Length
             * @description Longest string or array.
             * @default null
             */
            max_length?: number | null;
            /**
             * Pattern
             * @description Regular expression a string must contain.
             * @default null
             */
            pattern?: string | null;
            /**
             * Enum
             * @description The allowed values.
             * @default null
             */
            enum?: unknown[] | null;
            /**
             * Default
             * @description Value used when none is given; absent = required.
             * @default null
             */
            default?: unknown;
        };
        /**
         * NotifyTarget
         * @description One URL told of chosen events, each delivery signed with the secret in `secret_env`.
         */
        NotifyTarget: {
            /**
             * Url
             * @description The http:// or https:// URL POSTed to.
             */
            url: string;
            /**
             * Events
             * @description The events delivered (default: workflow_completed, workflow_failed, task_failed, task_waiting).
             */
            events?: ("workflow_started" | "task_started" | "retry_attempted" | "task_completed" | "task_failed" | "task_skipped" | "workflow_completed" | "workflow_failed" | "workflow_canceled" | "workflow_paused" | "workflow_resumed" | "checkpoint_created" | "error_occurred" | "task_expanded" | "child_execution_started" | "journal_repaired" | "webhook_received" | "task_waiting" | "approval_decided" | "task_completed_by_operator" | "task_skipped_by_operator")[];
            /**
             * Secret Env
             * @description The daemon's environment variable holding the HMAC-SHA256 signing secret (README, Webhooks out); none: deliveries are not signed.
             * @default null
             */
            secret_env?: string | null;
        };
        /**
         * RetryPolicy
         * @description How often and how patiently a failed task is tried again.
         *
         *     `max_retries: 3` means up to four attempts. The delay before retry *n* grows exponentially
         *     (`initial_delay * backoff_multiplier**(n-1)`, capped at `max_delay`) and is randomised by
         *     `jitter` so that many tasks failing together do not all retry at the same instant.
         */
        RetryPolicy: {
            /**
             * Max Retries
             * @description Retries after the first attempt.
             * @default 0
             */
            max_retries?: number;
            /**
             * Initial Delay
             * @description Seconds before the first retry.
             * @default 1
             */
            initial_delay?: number;
            /**
             * Max Delay
             * @description Upper bound of the delay, in seconds.
             * @default 60
             */
            max_delay?: number;
            /**
             * Backoff Multiplier
             * @description Growth factor of the delay.
             * @default 2
             */
            backoff_multiplier?: number;
            /**
             * Jitter
             * @description Fraction of the delay randomised up or down.
             * @default 0.1
             */
            jitter?: number;
            /**
             * Retry On
             * @description Error kinds worth a retry (default: every retryable kind).
             * @default null
             */
            retry_on?: string[] | null;
        };
        /**
         * TaskDefaults
         * @description Settings merged into every task that does not set them itself.
         */
        TaskDefaults: {
            /**
             * Timeout
             * @description Seconds per attempt.
             * @default null
             */
            timeout?: number | null;
            /** @default null */
            retry_policy?: components["schemas"]["RetryPolicy"] | null;
            /**
             * Trigger Rule
             * @description When the task may run, from its parents' outcomes (default all_success: every parent completed). Airflow's names and meanings.
             * @default null
             */
            trigger_rule?: ("all_success" | "all_done" | "all_failed" | "one_success" | "one_failed" | "none_failed" | "none_failed_min_one_success" | "none_skipped") | null;
        };
        /**
         * TaskSpec
         * @description One task: call `action` of `component` with `input`, after `depends_on` completed.
         */
        TaskSpec: {
            /**
             * Component
             * @description Component name: shell, http, ... or a remote (Tekton) one such as rhetor.
             */
            component: string;
            /**
             * Action
             * @description Action of the component, e.g. run, or a remote tool's name.
             */
            action: string;
            /**
             * Input
             * @description Action input; strings may contain ${...} references (input, tasks, workflow, execution, env, components).
             */
            input?: {
                [key: string]: unknown;
            };
            /**
             * Depends On
             * @description Tasks that must complete before this one starts.
             */
            depends_on?: string[];
            /**
             * When
             * @description Condition; the task is skipped when false.
             * @default null
             */
            when?: string | boolean | null;
            /**
             * Timeout
             * @description Seconds per attempt.
             * @default null
             */
            timeout?: number | null;
            /** @default null */
            retry_policy?: components["schemas"]["RetryPolicy"] | null;
            /**
             * Trigger Rule
             * @description When the task may run, from its parents' outcomes (default all_success: every parent completed). Airflow's names and meanings.
             * @default null
             */
            trigger_rule?: ("all_success" | "all_done" | "all_failed" | "one_success" | "one_failed" | "none_failed" | "none_failed_min_one_success" | "none_skipped") | null;
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * For Each
             * @description Run the task once per item of this list: a literal list or one ${...} reference to a list; ${item} and ${index} name the item in input and when.
             * @default null
             */
            for_each?: unknown[] | string | null;
            /**
             * Max Parallel
             * @description Items of a for_each task running at once.
             * @default null
             */
            max_parallel?: number | null;
            /**
             * Max Items
             * @description Most items a for_each list may have (default 10,000).
             * @default null
             */
            max_items?: number | null;
            /**
             * Executor
             * @description Where this task's attempts run: 'local' (in the engine's process) or 'dask' (on the Dask cluster of an engine started with --executor dask). Unset: the engine's choice.
             * @default null
             */
            executor?: ("local" | "dask") | null;
            /**
             * Resources
             * @description Dask worker resources this task's attempts need, e.g. {GPU: 1, memory: 4e9}: they run only on workers that declare them.
             * @default null
             */
            resources?: {
                [key: string]: number;
            } | null;
        };
        /** WorkflowInfo */
        WorkflowInfo: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string | null;
            /** Task Count */
            task_count: number;
            /**
             * Template
             * @description Always false: templates are served under /api/v1/templates.
             */
            template: boolean;
            /** Created At */
            created_at: string | null;
            /** Updated At */
            updated_at: string | null;
        } & {
            [key: string]: unknown;
        };
        /** WorkflowList */
        WorkflowList: {
            /** Items */
            items: components["schemas"]["WorkflowInfo"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        } & {
            [key: string]: unknown;
        };
        /** WorkflowDetail */
        WorkflowDetail: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string | null;
            /** Task Count */
            task_count: number;
            /**
             * Template
             * @description Always false: templates are served under /api/v1/templates.
             */
            template: boolean;
            /** Created At */
            created_at: string | null;
            /** Updated At */
            updated_at: string | null;
            /**
             * Document
             * @description The workflow document as stored.
             */
            document: {
                [key: string]: unknown;
            };
            /**
             * @description The template and values it was made from, if it was.
             * @default null
             */
            origin?: components["schemas"]["WorkflowOrigin"] | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * WorkflowOrigin
         * @description The template and the values a workflow was made from.
         */
        WorkflowOrigin: {
            /** Template Id */
            template_id: string;
            /** Template Name */
            template_name: string;
            /** Template Version */
            template_version: string;
            /**
             * Template Digest
             * @description `sha256:` of the template document as it was (sorted-key JSON).
             */
            template_digest: string;
            /**
             * Parameters
             * @description Every parameter's value, defaults included.
             */
            parameters: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * WorkflowDeleted
         * @description What deleting a workflow did, beyond the workflow: its schedules stop either way.
         */
        WorkflowDeleted: {
            /** Id */
            id: string;
            /**
             * Deleted
             * @description Always true.
             */
            deleted: boolean;
            /**
             * Schedules Removed
             * @description The schedules its file declared (`schedules:`): removed with it.
             */
            schedules_removed: string[];
            /**
             * Schedules Disabled
             * @description The schedules made for it through the API: disabled, kept so that their operator sees why they stopped (delete them, or make new ones for a new workflow).
             */
            schedules_disabled: string[];
        } & {
            [key: string]: unknown;
        };
        /**
         * TemplateDocument
         * @description A template file: `kind: template`, its own name and version, `parameters`, and the
         *     `workflow` body, which is checked as a workflow only once values are substituted.
         */
        TemplateDocument: {
            /**
             * Kind
             * @description Always `template`.
             * @constant
             */
            kind: "template";
            /**
             * Name
             * @description Name of the template (unique in a daemon).
             */
            name: string;
            /**
             * Version
             * @description Version of this template.
             * @default 1.0.0
             */
            version?: string;
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Parameters
             * @description Declared parameters, by name; `${param.NAME}` uses one in the body.
             */
            parameters?: {
                [key: string]: components["schemas"]["ParameterSpec"];
            };
            /**
             * Workflow
             * @description The workflow, as in a workflow file; any string in it may hold `${param.NAME}` placeholders (a string that is only one keeps the value's type), so it is checked against the workflow schema only once they are replaced.
             */
            workflow: {
                [key: string]: unknown;
            };
        };
        /**
         * ParameterSpec
         * @description One declared template parameter: `type`, `default` (absent: required), `enum`,
         *     `minimum`/`maximum`, `min_length`/`max_length`, `pattern`, `description`.
         */
        ParameterSpec: {
            /**
             * Type
             * @description JSON type of the value.
             * @default string
             * @enum {string}
             */
            type?: "string" | "integer" | "number" | "boolean" | "object" | "array";
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Minimum
             * @description Smallest allowed number.
             * @default null
             */
            minimum?: number | null;
            /**
             * Maximum
             * @description Largest allowed number.
             * @default null
             */
            maximum?: number | null;
            /**
             * Min Length
             * @description Shortest string or array.
             * @default null
             */
            min_length?: number | null;
            /**
             * Max Length
             * @description Longest string or array.
             * @default null
             */
            max_length?: number | null;
            /**
             * Pattern
             * @description Regular expression a string must contain.
             * @default null
             */
            pattern?: string | null;
            /**
             * Enum
             * @description The allowed values.
             * @default null
             */
            enum?: unknown[] | null;
            /**
             * Default
             * @description Value used when none is given; absent = required.
             * @default null
             */
            default?: unknown;
        };
        /** TemplateInfo */
        TemplateInfo: {
            /** Id */
            id: string;
            /**
             * Name
             * @description Unique among templates: instantiate it by this name.
             */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string | null;
            /**
             * Task Count
             * @description Tasks of its workflow body.
             */
            task_count: number;
            /** Created At */
            created_at: string | null;
            /** Updated At */
            updated_at: string | null;
        } & {
            [key: string]: unknown;
        };
        /** TemplateList */
        TemplateList: {
            /** Items */
            items: components["schemas"]["TemplateInfo"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        } & {
            [key: string]: unknown;
        };
        /** TemplateDetail */
        TemplateDetail: {
            /** Id */
            id: string;
            /**
             * Name
             * @description Unique among templates: instantiate it by this name.
             */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string | null;
            /**
             * Task Count
             * @description Tasks of its workflow body.
             */
            task_count: number;
            /** Created At */
            created_at: string | null;
            /** Updated At */
            updated_at: string | null;
            /**
             * Parameters
             * @description The declared parameters by name: type, default (absent: required), enum, minimum, maximum, min_length, max_length, pattern, description.
             */
            parameters: {
                [key: string]: {
                    [key: string]: unknown;
                };
            };
            /**
             * Document
             * @description The template document as stored.
             */
            document: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** TemplateInstantiate */
        TemplateInstantiate: {
            /**
             * Parameters
             * @description The parameters' values by name; a parameter left out takes its default.
             */
            parameters?: {
                [key: string]: unknown;
            };
            /**
             * Name
             * @description Name of the new workflow (default: the name the template's body gives).
             * @default null
             */
            name?: string | null;
        };
        /** InstantiatedWorkflow */
        InstantiatedWorkflow: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Version */
            version: string;
            /** Description */
            description: string | null;
            /** Task Count */
            task_count: number;
            /**
             * Template
             * @description Always false: templates are served under /api/v1/templates.
             */
            template: boolean;
            /** Created At */
            created_at: string | null;
            /** Updated At */
            updated_at: string | null;
            origin: components["schemas"]["WorkflowOrigin"];
        } & {
            [key: string]: unknown;
        };
        /**
         * ExecutionCreate
         * @description Start an execution of a stored workflow (`workflow_id`) or of an inline document.
         */
        ExecutionCreate: {
            /**
             * Workflow Id
             * @default null
             */
            workflow_id?: string | null;
            /**
             * Workflow
             * @description A workflow document, as in a workflow file.
             * @default null
             */
            workflow?: components["schemas"]["WorkflowDocument"] | null;
            /**
             * Input
             * @description The execution's input.
             */
            input?: {
                [key: string]: unknown;
            };
        };
        /**
         * Execution
         * @description An execution as `harmonia run --json` prints it.
         */
        Execution: {
            /** Id */
            id: string;
            /** Workflow */
            workflow: string;
            /** Workflow Version */
            workflow_version: string | null;
            /**
             * Status
             * @enum {string}
             */
            status: "pending" | "running" | "paused" | "completed" | "failed" | "canceled" | "damaged";
            /** Input */
            input: {
                [key: string]: unknown;
            };
            /** Created At */
            created_at: string | null;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
            /** Duration */
            duration: number | null;
            /** Error */
            error: string | null;
            /** Restored From */
            restored_from: string | null;
            /**
             * @description Set when a schedule started it: which one, for which time.
             * @default null
             */
            trigger?: components["schemas"]["ExecutionTrigger"] | null;
            /** Last Seq */
            last_seq: number;
            /**
             * @description Set when the status is `damaged`: what is wrong and where; the rest of the document is as far as the readable part of its files goes.
             * @default null
             */
            damage?: components["schemas"]["ExecutionDamage"] | null;
            /**
             * @description Set on a child execution (sub-workflow): its parent task.
             * @default null
             */
            parent?: components["schemas"]["ParentLink"] | null;
            /**
             * Output
             * @description The workflow's declared `output:` mapping, rendered when it completed.
             * @default null
             */
            output?: unknown;
            /** Counts */
            counts: {
                [key: string]: number;
            };
            /** Tasks */
            tasks: {
                [key: string]: components["schemas"]["TaskInfo"];
            };
        } & {
            [key: string]: unknown;
        };
        /**
         * DamagedFile
         * @description One damaged file of an execution: which, where in it, what is wrong.
         */
        DamagedFile: {
            /**
             * File
             * @description Path relative to the data folder.
             */
            file: string;
            /**
             * Offset
             * @description Byte offset where the file stops being readable, when known.
             */
            offset: number | null;
            /**
             * Line
             * @description The line holding that byte, when known.
             */
            line: number | null;
            /** Reason */
            reason: string;
            /**
             * Kept As
             * @description The byte-identical copy set aside as evidence (relative to the data folder), once the daemon made one.
             */
            kept_as: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * ExecutionDamage
         * @description Why an execution is `damaged`: its files could not be read whole.
         */
        ExecutionDamage: {
            /**
             * Status
             * @description The status its readable part reaches.
             */
            status: string;
            /** Files */
            files: components["schemas"]["DamagedFile"][];
        } & {
            [key: string]: unknown;
        };
        /**
         * ExecutionTrigger
         * @description What started an execution other than an operator: a schedule.
         */
        ExecutionTrigger: {
            /**
             * Kind
             * @constant
             */
            kind: "schedule";
            /** Schedule Id */
            schedule_id: string;
            /**
             * Planned At
             * @description The planned time it was started for (epoch seconds).
             */
            planned_at: number;
            /**
             * Manual
             * @description Started by the schedule's run-now.
             * @default false
             */
            manual?: boolean;
        } & {
            [key: string]: unknown;
        };
        /**
         * OperatorMark
         * @description Who made a task's result by hand, and how (`harmonia complete`, `harmonia skip`).
         */
        OperatorMark: {
            /**
             * Action
             * @enum {string}
             */
            action: "complete" | "skip";
            /**
             * By
             * @default null
             */
            by?: string | null;
            /**
             * At
             * @default null
             */
            at?: string | null;
            /**
             * Reason
             * @default null
             */
            reason?: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * ParentLink
         * @description The `workflow.run` task whose attempt started this (child) execution.
         */
        ParentLink: {
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string;
            /**
             * Depth
             * @description 1 for a child of a root execution, and so on.
             */
            depth: number;
        } & {
            [key: string]: unknown;
        };
        /** TaskAttempt */
        TaskAttempt: {
            /**
             * Attempt
             * @default null
             */
            attempt?: number | null;
            /**
             * Status
             * @default null
             */
            status?: string | null;
            /**
             * Started At
             * @default null
             */
            started_at?: string | null;
            /**
             * Finished At
             * @default null
             */
            finished_at?: string | null;
        } & {
            [key: string]: unknown;
        };
        /** TaskInfo */
        TaskInfo: {
            /**
             * Status
             * @enum {string}
             */
            status: "pending" | "running" | "retrying" | "waiting" | "completed" | "failed" | "skipped" | "canceled";
            /** Attempts */
            attempts: number;
            /**
             * Output
             * @default null
             */
            output?: unknown;
            /** Error */
            error: {
                [key: string]: unknown;
            } | null;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
            /** Duration */
            duration: number | null;
            /** History */
            history: components["schemas"]["TaskAttempt"][];
            /**
             * Depends On
             * @description The tasks this one waits for, as its workflow declares them.
             */
            depends_on?: string[];
            /**
             * Item Count
             * @description For a for_each task whose list was evaluated: how many items it has.
             * @default null
             */
            item_count?: number | null;
            /**
             * Parent
             * @description For an item (id `TASK[i]`): its for_each task.
             * @default null
             */
            parent?: string | null;
            /**
             * Index
             * @description For an item: its place in the list.
             * @default null
             */
            index?: number | null;
            /**
             * Child Execution Id
             * @description The child execution a `workflow.run` task started for its current attempt (earlier attempts' children are in `history`).
             * @default null
             */
            child_execution_id?: string | null;
            /**
             * @description Set when an operator made this result by hand (complete, skip), not the task's action.
             * @default null
             */
            operator?: components["schemas"]["OperatorMark"] | null;
            /**
             * Input Override
             * @description An operator retry's input override, merged over the rendered input.
             * @default null
             */
            input_override?: {
                [key: string]: unknown;
            } | null;
        } & {
            [key: string]: unknown;
        };
        /** ExecutionList */
        ExecutionList: {
            /** Items */
            items: components["schemas"]["ExecutionSummary"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        } & {
            [key: string]: unknown;
        };
        /** ExecutionSummary */
        ExecutionSummary: {
            /** Id */
            id: string;
            /** Workflow */
            workflow: string;
            /**
             * Status
             * @enum {string}
             */
            status: "pending" | "running" | "paused" | "completed" | "failed" | "canceled" | "damaged";
            /** Created At */
            created_at: string | null;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
            /** Task Count */
            task_count: number;
            /** Done Count */
            done_count: number;
            /** Failed Count */
            failed_count: number;
            /**
             * Waiting Count
             * @description Tasks waiting for a person now (status `waiting`, at an approval gate): approve or reject them.
             */
            waiting_count: number;
            /**
             * Interrupted
             * @description Was running when its process died and nobody resumed it yet.
             */
            interrupted: boolean;
            /** Restored From */
            restored_from: string | null;
            /**
             * Last Seq
             * @description Seq of the last event recorded.
             */
            last_seq: number;
            /**
             * @description Set when the status is `damaged`: what is wrong and where.
             * @default null
             */
            damage?: components["schemas"]["ExecutionDamage"] | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * OperatorAction
         * @description Cancel, pause and resume take no parameters: no body, or `{}`.
         */
        OperatorAction: Record<string, unknown>;
        /**
         * ResumeAction
         * @description Resume takes no parameters but one, for a `damaged` execution.
         */
        ResumeAction: {
            /**
             * From Damaged
             * @description Resume a damaged execution from the readable part of its journal: the damaged file is kept aside, lines after the damage are not used (tasks whose end they recorded run again). Refused (409) for an execution that is not damaged, or whose snapshot is.
             * @default false
             */
            from_damaged?: boolean;
        };
        /** CheckpointCreate */
        CheckpointCreate: {
            /**
             * Name
             * @default null
             */
            name?: string | null;
        };
        /** Checkpoint */
        Checkpoint: {
            /** Id */
            id: string;
            /** Execution Id */
            execution_id: string;
            /** Name */
            name: string;
            /** Kind */
            kind: string;
            /** Created At */
            created_at: string | null;
            /** Seq */
            seq: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * RetryAction
         * @description Run a task and everything downstream of it again (no body, `{}`, or these fields).
         */
        RetryAction: {
            /**
             * Input
             * @description Merged over the task's rendered input (top-level keys) for its next attempts; kept until the task is retried again.
             * @default null
             */
            input?: {
                [key: string]: unknown;
            } | null;
            /**
             * By
             * @description Who does it, as the journal records it (a client's name, `cli`, `tui`).
             * @default api
             */
            by?: string;
        };
        /** RetryResult */
        RetryResult: {
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string;
            /**
             * Reset
             * @description The tasks that run again.
             */
            reset: string[];
        } & {
            [key: string]: unknown;
        };
        /** EventPage */
        EventPage: {
            /** Items */
            items: components["schemas"]["Event"][];
            /**
             * Next After
             * @description Pass as `after` for the next page.
             */
            next_after: number;
        } & {
            [key: string]: unknown;
        };
        /** Event */
        Event: {
            /** Seq */
            seq: number;
            /** Type */
            type: string;
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string | null;
            /** Timestamp */
            timestamp: string;
            /** Data */
            data: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        /** CheckpointList */
        CheckpointList: {
            /** Items */
            items: components["schemas"]["Checkpoint"][];
        } & {
            [key: string]: unknown;
        };
        /**
         * CompleteAction
         * @description Mark a failed, pending, waiting or canceled task completed with the output it should
         *     have had.
         */
        CompleteAction: {
            /**
             * Output
             * @description The task's output: any JSON value (null included).
             */
            output: unknown;
            /**
             * By
             * @description Who does it, as the journal records it (a client's name, `cli`, `tui`).
             * @default api
             */
            by?: string;
        };
        /** FixResult */
        FixResult: {
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string;
            /**
             * Status
             * @description The task's status now: completed or skipped.
             */
            status: string;
            /**
             * Reset
             * @description The tasks below it that are decided again.
             */
            reset: string[];
        } & {
            [key: string]: unknown;
        };
        /**
         * SkipAction
         * @description Mark a failed, pending, waiting or canceled task skipped.
         */
        SkipAction: {
            /**
             * Reason
             * @description Shown with the task.
             * @default null
             */
            reason?: string | null;
            /**
             * By
             * @description Who does it, as the journal records it (a client's name, `cli`, `tui`).
             * @default api
             */
            by?: string;
        };
        /** RetryPlan */
        RetryPlan: {
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string;
            /**
             * Status
             * @description The task's status now.
             */
            status: string;
            /**
             * Reset
             * @description Exactly the tasks a retry now would run again.
             */
            reset: string[];
            /**
             * Unexpanded
             * @description for_each tasks below it whose list a retry would evaluate again.
             */
            unexpanded: string[];
            /**
             * Allowed
             * @description False when a retry now would be refused (409).
             */
            allowed: boolean;
            /**
             * Refusal
             * @description Why a retry now would be refused.
             */
            refusal: string | null;
            /**
             * Input
             * @description The task's input as its last attempt rendered it (values of `${env.*}` stay references), null if it never started: what an input override edits.
             */
            input: unknown;
        } & {
            [key: string]: unknown;
        };
        /** ComponentList */
        ComponentList: {
            /** Items */
            items: components["schemas"]["ComponentInfo"][];
        } & {
            [key: string]: unknown;
        };
        /** ActionInfo */
        ActionInfo: {
            /** Name */
            name: string;
            /** Description */
            description: string;
            /** Input Schema */
            input_schema: {
                [key: string]: unknown;
            };
            /**
             * Parameters
             * @description A remote tool's parameters exactly as its component lists them.
             * @default null
             */
            parameters?: {
                [key: string]: unknown;
            } | null;
        } & {
            [key: string]: unknown;
        };
        /** ComponentInfo */
        ComponentInfo: {
            /** Name */
            name: string;
            /** Description */
            description: string;
            /**
             * Kind
             * @description builtin, plugin (an installed package), or how a remote one was found: hermes, declared (--component) or environment ({NAME}_PORT)
             */
            kind: ("builtin" | "plugin" | "hermes" | "declared" | "environment") | null;
            /**
             * Endpoint
             * @description A remote component's base URL; null for local ones.
             */
            endpoint: string | null;
            /**
             * Health
             * @description ok (runs inside Harmonia), error (a plugin that did not load), or a remote component's /health status (healthy, degraded), unreachable or `http N`
             */
            health: string;
            /**
             * Error
             * @description Why a component is unusable, or its tools unknown.
             */
            error: string | null;
            /** Actions */
            actions: components["schemas"]["ActionInfo"][];
        } & {
            [key: string]: unknown;
        };
        /** ActionList */
        ActionList: {
            /** Items */
            items: components["schemas"]["ActionInfo"][];
        } & {
            [key: string]: unknown;
        };
        /** McpHealth */
        McpHealth: {
            /**
             * Status
             * @enum {string}
             */
            status: "healthy" | "degraded";
            /**
             * Component
             * @constant
             */
            component: "harmonia";
            /** Version */
            version: string;
            /** Port */
            port: number;
            /** Tools */
            tools: number;
            /**
             * Mcp
             * @description The path of the MCP server (streamable HTTP).
             */
            mcp: string;
        } & {
            [key: string]: unknown;
        };
        /** McpCapabilities */
        McpCapabilities: {
            /** Capabilities */
            capabilities: components["schemas"]["McpCapability"][];
            /** Count */
            count: number;
        } & {
            [key: string]: unknown;
        };
        /** McpCapability */
        McpCapability: {
            /** Name */
            name: string;
            /** Description */
            description: string;
            /** Tools */
            tools: string[];
        } & {
            [key: string]: unknown;
        };
        /** McpToolList */
        McpToolList: {
            /** Tools */
            tools: components["schemas"]["McpTool"][];
            /** Count */
            count: number;
        } & {
            [key: string]: unknown;
        };
        /** McpParameter */
        McpParameter: {
            /**
             * Type
             * @description A Python type repr: `str`, `int`, `dict[str, Any]`, ...
             */
            type: string;
            /** Required */
            required: boolean;
            /**
             * Default
             * @default null
             */
            default?: unknown;
            /** Description */
            description: string;
        };
        /** McpTool */
        McpTool: {
            /** Name */
            name: string;
            /** Description */
            description: string;
            /** Parameters */
            parameters: {
                [key: string]: components["schemas"]["McpParameter"];
            };
            /** Tags */
            tags: string[];
            /** Category */
            category: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * McpProcess
         * @description A tool call, as Tekton callers send it (`toolName` is accepted for `tool_name`).
         */
        McpProcess: {
            /**
             * Tool Name
             * @description One of the names `GET /api/mcp/v2/tools` lists.
             */
            tool_name: string;
            /**
             * Arguments
             * @description The tool's arguments.
             */
            arguments?: {
                [key: string]: unknown;
            };
            /**
             * Context
             * @description The caller's context (execution, task); not used.
             * @default null
             */
            context?: {
                [key: string]: unknown;
            } | null;
        };
        /** McpProcessAnswer */
        McpProcessAnswer: {
            /**
             * Status
             * @enum {string}
             */
            status: "success" | "error";
            /**
             * Result
             * @description The tool's result (on success).
             */
            result: {
                [key: string]: unknown;
            } | null;
            /**
             * Error
             * @description Why the tool failed (on error).
             */
            error: string | null;
        } & {
            [key: string]: unknown;
        };
        /** ScheduleList */
        ScheduleList: {
            /** Items */
            items: components["schemas"]["Schedule"][];
        } & {
            [key: string]: unknown;
        };
        /** Schedule */
        Schedule: {
            /** Id */
            id: string;
            /** Workflow Id */
            workflow_id: string;
            /** Cron */
            cron: string | null;
            /** Timezone */
            timezone: string;
            /** Interval */
            interval: number | null;
            /** Input */
            input: {
                [key: string]: unknown;
            };
            /**
             * Missed
             * @enum {string}
             */
            missed: "skip" | "run_once" | "run_all";
            /** Max Missed */
            max_missed: number;
            /**
             * Overlap
             * @enum {string}
             */
            overlap: "allow" | "skip" | "queue";
            /** Grace */
            grace: number;
            /** Description */
            description: string | null;
            /** Paused */
            paused: boolean;
            /** Created At */
            created_at: string | null;
            /**
             * Last Planned At
             * @description The latest planned time dealt with.
             */
            last_planned_at: string | null;
            /**
             * Next Planned At
             * @description The next planned time (null while paused).
             */
            next_planned_at: string | null;
            /**
             * Queued
             * @description Planned times waiting for the running run to end.
             */
            queued: string[];
            /**
             * Skipped
             * @description Planned times not run (missed or overlapping), in all.
             */
            skipped: number;
            /**
             * Origin
             * @description `document`: from the workflow file's `schedules:`, replaced with it.
             * @enum {string}
             */
            origin: "api" | "document";
            /**
             * Disabled
             * @description Why the daemon stopped it (its workflow was deleted): it stays paused and cannot be unpaused (409); delete it.
             * @default null
             */
            disabled?: string | null;
            /**
             * Runs
             * @description The latest runs, oldest first.
             */
            runs: components["schemas"]["ScheduleRun"][];
        } & {
            [key: string]: unknown;
        };
        /** ScheduleRun */
        ScheduleRun: {
            /** Planned At */
            planned_at: string | null;
            /**
             * State
             * @enum {string}
             */
            state: "starting" | "started" | "failed";
            /** Execution Id */
            execution_id: string | null;
            /** Error */
            error: string | null;
            /**
             * Manual
             * @description Started by run-now, not by the clock.
             */
            manual: boolean;
        } & {
            [key: string]: unknown;
        };
        /**
         * ScheduleCreate
         * @description A schedule for a stored workflow: exactly one of `cron` and `interval`.
         */
        ScheduleCreate: {
            /**
             * Workflow Id
             * @description The stored workflow to start.
             */
            workflow_id: string;
            /**
             * Cron
             * @description A cron expression (5 or 6 fields).
             * @default null
             */
            cron?: string | null;
            /**
             * Timezone
             * @description The IANA time zone `cron` is read in.
             * @default UTC
             */
            timezone?: string;
            /**
             * Interval
             * @description Seconds between runs (> 0).
             * @default null
             */
            interval?: number | null;
            /**
             * Input
             * @description Each run's input.
             */
            input?: {
                [key: string]: unknown;
            };
            /**
             * Missed
             * @description Planned times missed while the daemon was down: `skip` them, `run_once` for all of them, or `run_all` (at most `max_missed`, the latest).
             * @default skip
             * @enum {string}
             */
            missed?: "skip" | "run_once" | "run_all";
            /**
             * Max Missed
             * @default 10
             */
            max_missed?: number;
            /**
             * Overlap
             * @description A planned time while the last run still runs: `allow` another, `skip` it, or `queue` it until the running one ends.
             * @default skip
             * @enum {string}
             */
            overlap?: "allow" | "skip" | "queue";
            /**
             * Grace
             * @description Seconds late that still count as on time.
             * @default 60
             */
            grace?: number;
            /**
             * Description
             * @default null
             */
            description?: string | null;
            /**
             * Paused
             * @default false
             */
            paused?: boolean;
        };
        /**
         * ScheduleRunNow
         * @description Run-now takes no parameters: no body, or `{}`.
         */
        ScheduleRunNow: Record<string, unknown>;
        /** HookList */
        HookList: {
            /** Items */
            items: components["schemas"]["Hook"][];
        } & {
            [key: string]: unknown;
        };
        /** Hook */
        Hook: {
            /** Name */
            name: string;
            /** Workflow Id */
            workflow_id: string;
            /** Input Map */
            input_map: {
                [key: string]: string;
            } | null;
            /** Window */
            window: number;
            /** Description */
            description: string | null;
            /** Created At */
            created_at: string | null;
            /**
             * Rotated At
             * @description When the secret was last rotated (null: never).
             */
            rotated_at: string | null;
            /**
             * Path
             * @description Where deliveries are posted.
             */
            path: string;
            /**
             * Deliveries
             * @description Executions its deliveries started, among those on record (a replayed delivery id starts nothing and is not counted).
             */
            deliveries: number;
            /** @description The newest delivery that started an execution (null: none yet). */
            last_delivery: components["schemas"]["HookLastDelivery"] | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * HookLastDelivery
         * @description The newest delivery that started an execution.
         */
        HookLastDelivery: {
            /** Delivery Id */
            delivery_id: string | null;
            /** Execution Id */
            execution_id: string;
            /**
             * At
             * @description When its execution was created.
             */
            at: string | null;
        } & {
            [key: string]: unknown;
        };
        /**
         * HookCreate
         * @description A hook that starts a stored workflow with each signed delivery's body as its input.
         */
        HookCreate: {
            /**
             * Name
             * @description The hook's name, in its URL: `POST /api/v1/hooks/{name}`.
             */
            name: string;
            /**
             * Workflow Id
             * @description The stored workflow a delivery starts.
             */
            workflow_id: string;
            /**
             * Input Map
             * @description `{input name: JSON Pointer into the body}` (RFC 6901, `""` is the whole body). Without it the body, a JSON object, is the input.
             * @default null
             */
            input_map?: {
                [key: string]: string;
            } | null;
            /**
             * Window
             * @description Seconds a delivery's `X-Harmonia-Timestamp` may be from the daemon's clock.
             * @default 300
             */
            window?: number;
            /**
             * Description
             * @default null
             */
            description?: string | null;
        };
        /** HookSecret */
        HookSecret: {
            /** Name */
            name: string;
            /** Workflow Id */
            workflow_id: string;
            /** Input Map */
            input_map: {
                [key: string]: string;
            } | null;
            /** Window */
            window: number;
            /** Description */
            description: string | null;
            /** Created At */
            created_at: string | null;
            /**
             * Rotated At
             * @description When the secret was last rotated (null: never).
             */
            rotated_at: string | null;
            /**
             * Path
             * @description Where deliveries are posted.
             */
            path: string;
            /**
             * Deliveries
             * @description Executions its deliveries started, among those on record (a replayed delivery id starts nothing and is not counted).
             */
            deliveries: number;
            /** @description The newest delivery that started an execution (null: none yet). */
            last_delivery: components["schemas"]["HookLastDelivery"] | null;
            /**
             * Secret
             * @description The HMAC-SHA256 key of deliveries. Shown only when the hook is created and when its secret is rotated: store it then.
             */
            secret: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * HookRotate
         * @description Rotate takes no parameters: no body, or `{}`.
         */
        HookRotate: Record<string, unknown>;
        /** HookDelivered */
        HookDelivered: {
            /** Hook */
            hook: string;
            /** Delivery Id */
            delivery_id: string;
            /**
             * Execution Id
             * @description The execution this delivery started.
             */
            execution_id: string;
            /**
             * Replayed
             * @description True when this delivery id was accepted before: the execution is the one it started then, and nothing new started.
             */
            replayed: boolean;
        } & {
            [key: string]: unknown;
        };
        /**
         * ApprovalDecision
         * @description An approval or a rejection: both fields may be left out (no body, or `{}`).
         */
        ApprovalDecision: {
            /**
             * Reason
             * @description Why; kept in the journal with the decision.
             * @default null
             */
            reason?: string | null;
            /**
             * By
             * @description Who decides (`cli`, `tui`, a client's name); default: the request's User-Agent product name, else `api`.
             * @default null
             */
            by?: string | null;
        };
        /**
         * ApprovalResult
         * @description The decision as recorded (`approval_decided` in the journal).
         */
        ApprovalResult: {
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string;
            /**
             * Decision
             * @enum {string}
             */
            decision: "approved" | "rejected";
            /** By */
            by: string;
            /** Reason */
            reason: string | null;
            /**
             * Decided At
             * @description When it was recorded (ISO 8601, UTC).
             */
            decided_at: string;
            /**
             * Timed Out
             * @description Taken by the gate's timeout, not by a person.
             */
            timed_out: boolean;
        } & {
            [key: string]: unknown;
        };
        /** DeliveryList */
        DeliveryList: {
            /** Items */
            items: components["schemas"]["WebhookDelivery"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        } & {
            [key: string]: unknown;
        };
        /**
         * DeliveryAttempt
         * @description One POST of a delivery and what came of it.
         */
        DeliveryAttempt: {
            /** Attempt */
            attempt: number;
            /** At */
            at: string | null;
            /**
             * Status Code
             * @description The receiver's HTTP status; null: no answer.
             */
            status_code: number | null;
            /**
             * Error
             * @description Why it did not deliver (null: a 2xx answer).
             */
            error: string | null;
            /**
             * Duration
             * @description Seconds the attempt took.
             */
            duration: number;
            /**
             * Answer
             * @description The start of the receiver's answer body.
             */
            answer: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * WebhookDelivery
         * @description One event for one URL, recorded before its first attempt; its id is sent as
         *     `X-Harmonia-Delivery` on every attempt.
         */
        WebhookDelivery: {
            /** Id */
            id: string;
            /** Url */
            url: string;
            /**
             * Source
             * @description `workflow`: its file's `notify:`; `daemon`: `harmoniad --notify`.
             * @enum {string}
             */
            source: "workflow" | "daemon";
            /** Event */
            event: string;
            /** Execution Id */
            execution_id: string;
            /** Task Id */
            task_id: string | null;
            /**
             * Seq
             * @description The event's seq in its execution.
             */
            seq: number;
            /**
             * Status
             * @enum {string}
             */
            status: "pending" | "delivered" | "failed";
            /** Created At */
            created_at: string | null;
            /**
             * Next Attempt At
             * @description When the next attempt is due (pending only).
             */
            next_attempt_at: string | null;
            /**
             * Attempts
             * @description Oldest first.
             */
            attempts: components["schemas"]["DeliveryAttempt"][];
        } & {
            [key: string]: unknown;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type Health = components['schemas']['Health'];
export type ErrorBody = components['schemas']['ErrorBody'];
export type ProblemDetail = components['schemas']['ProblemDetail'];
export type PydanticDetail = components['schemas']['PydanticDetail'];
export type StorageDetail = components['schemas']['StorageDetail'];
export type Ready = components['schemas']['Ready'];
export type ExecutorState = components['schemas']['ExecutorState'];
export type HermesState = components['schemas']['HermesState'];
export type StorageState = components['schemas']['StorageState'];
export type Discovery = components['schemas']['Discovery'];
export type EndpointInfo = components['schemas']['EndpointInfo'];
export type WorkflowDocument = components['schemas']['WorkflowDocument'];
export type InputSpec = components['schemas']['InputSpec'];
export type NotifyTarget = components['schemas']['NotifyTarget'];
export type RetryPolicy = components['schemas']['RetryPolicy'];
export type TaskDefaults = components['schemas']['TaskDefaults'];
export type TaskSpec = components['schemas']['TaskSpec'];
export type WorkflowInfo = components['schemas']['WorkflowInfo'];
export type WorkflowList = components['schemas']['WorkflowList'];
export type WorkflowDetail = components['schemas']['WorkflowDetail'];
export type WorkflowOrigin = components['schemas']['WorkflowOrigin'];
export type WorkflowDeleted = components['schemas']['WorkflowDeleted'];
export type TemplateDocument = components['schemas']['TemplateDocument'];
export type ParameterSpec = components['schemas']['ParameterSpec'];
export type TemplateInfo = components['schemas']['TemplateInfo'];
export type TemplateList = components['schemas']['TemplateList'];
export type TemplateDetail = components['schemas']['TemplateDetail'];
export type TemplateInstantiate = components['schemas']['TemplateInstantiate'];
export type InstantiatedWorkflow = components['schemas']['InstantiatedWorkflow'];
export type ExecutionCreate = components['schemas']['ExecutionCreate'];
export type Execution = components['schemas']['Execution'];
export type DamagedFile = components['schemas']['DamagedFile'];
export type ExecutionDamage = components['schemas']['ExecutionDamage'];
export type ExecutionTrigger = components['schemas']['ExecutionTrigger'];
export type OperatorMark = components['schemas']['OperatorMark'];
export type ParentLink = components['schemas']['ParentLink'];
export type TaskAttempt = components['schemas']['TaskAttempt'];
export type TaskInfo = components['schemas']['TaskInfo'];
export type ExecutionList = components['schemas']['ExecutionList'];
export type ExecutionSummary = components['schemas']['ExecutionSummary'];
export type OperatorAction = components['schemas']['OperatorAction'];
export type ResumeAction = components['schemas']['ResumeAction'];
export type CheckpointCreate = components['schemas']['CheckpointCreate'];
export type Checkpoint = components['schemas']['Checkpoint'];
export type RetryAction = components['schemas']['RetryAction'];
export type RetryResult = components['schemas']['RetryResult'];
export type EventPage = components['schemas']['EventPage'];
export type Event = components['schemas']['Event'];
export type CheckpointList = components['schemas']['CheckpointList'];
export type CompleteAction = components['schemas']['CompleteAction'];
export type FixResult = components['schemas']['FixResult'];
export type SkipAction = components['schemas']['SkipAction'];
export type RetryPlan = components['schemas']['RetryPlan'];
export type ComponentList = components['schemas']['ComponentList'];
export type ActionInfo = components['schemas']['ActionInfo'];
export type ComponentInfo = components['schemas']['ComponentInfo'];
export type ActionList = components['schemas']['ActionList'];
export type McpHealth = components['schemas']['McpHealth'];
export type McpCapabilities = components['schemas']['McpCapabilities'];
export type McpCapability = components['schemas']['McpCapability'];
export type McpToolList = components['schemas']['McpToolList'];
export type McpParameter = components['schemas']['McpParameter'];
export type McpTool = components['schemas']['McpTool'];
export type McpProcess = components['schemas']['McpProcess'];
export type McpProcessAnswer = components['schemas']['McpProcessAnswer'];
export type ScheduleList = components['schemas']['ScheduleList'];
export type Schedule = components['schemas']['Schedule'];
export type ScheduleRun = components['schemas']['ScheduleRun'];
export type ScheduleCreate = components['schemas']['ScheduleCreate'];
export type ScheduleRunNow = components['schemas']['ScheduleRunNow'];
export type HookList = components['schemas']['HookList'];
export type Hook = components['schemas']['Hook'];
export type HookLastDelivery = components['schemas']['HookLastDelivery'];
export type HookCreate = components['schemas']['HookCreate'];
export type HookSecret = components['schemas']['HookSecret'];
export type HookRotate = components['schemas']['HookRotate'];
export type HookDelivered = components['schemas']['HookDelivered'];
export type ApprovalDecision = components['schemas']['ApprovalDecision'];
export type ApprovalResult = components['schemas']['ApprovalResult'];
export type DeliveryList = components['schemas']['DeliveryList'];
export type DeliveryAttempt = components['schemas']['DeliveryAttempt'];
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ready"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Ready"];
                };
            };
        };
    };
    discovery: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Discovery"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    discovery_v1: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Discovery"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, unknown>;
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_workflows: {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_workflow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The workflow file, as YAML or JSON. */
        requestBody: {
            content: {
                "application/yaml": components["schemas"]["WorkflowDocument"];
                "application/x-yaml": components["schemas"]["WorkflowDocument"];
                "text/yaml": components["schemas"]["WorkflowDocument"];
                "text/x-yaml": components["schemas"]["WorkflowDocument"];
                "application/json": components["schemas"]["WorkflowDocument"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowInfo"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_workflow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowDetail"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    replace_workflow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description The workflow file, as YAML or JSON. */
        requestBody: {
            content: {
                "application/yaml": components["schemas"]["WorkflowDocument"];
                "application/x-yaml": components["schemas"]["WorkflowDocument"];
                "text/yaml": components["schemas"]["WorkflowDocument"];
                "text/x-yaml": components["schemas"]["WorkflowDocument"];
                "application/json": components["schemas"]["WorkflowDocument"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowInfo"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_workflow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WorkflowDeleted"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_templates: {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_template: {
        parameters: {
            query?: {
                /** @description Replace the template of the same name (same id) instead of refusing it. */
                replace?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description The template file (`kind: template`), as YAML or JSON. */
        requestBody: {
            content: {
                "application/yaml": components["schemas"]["TemplateDocument"];
                "application/x-yaml": components["schemas"]["TemplateDocument"];
                "text/yaml": components["schemas"]["TemplateDocument"];
                "text/x-yaml": components["schemas"]["TemplateDocument"];
                "application/json": components["schemas"]["TemplateDocument"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateInfo"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TemplateDetail"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    instantiate_template: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["TemplateInstantiate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InstantiatedWorkflow"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_executions: {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
                /** @description Only this status. */
                status?: "pending" | "running" | "paused" | "completed" | "failed" | "canceled" | "damaged";
            };
            header?: {
                /** @description The `ETag` of a listing this client has: 304 (no body) while the listing is the same. */
                "If-None-Match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionList"];
                };
            };
            /** @description Not Modified */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_execution: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExecutionCreate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_execution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel_execution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["OperatorAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionSummary"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    pause_execution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["OperatorAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionSummary"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    resume_execution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ResumeAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecutionSummary"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    checkpoint_execution: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CheckpointCreate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Checkpoint"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    retry_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RetryAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetryResult"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_events: {
        parameters: {
            query?: {
                /** @description Only events with a greater seq. */
                after?: number;
                /** @description Events per page. */
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_checkpoints: {
        parameters: {
            query?: {
                /** @description Only this execution's (an id, as in paths). */
                execution_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckpointList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    restore_checkpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["OperatorAction"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Execution"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    complete_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompleteAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FixResult"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    skip_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SkipAction"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FixResult"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    retry_plan: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetryPlan"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_components: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ComponentList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_component: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ComponentInfo"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_actions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ActionList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mcp_health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpHealth"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mcp_capabilities: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpCapabilities"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mcp_tools: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpToolList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mcp_process: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["McpProcess"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpProcessAnswer"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_schedules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_schedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleCreate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_schedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_schedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    pause_schedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ScheduleRunNow"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    unpause_schedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ScheduleRunNow"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    run_schedule_now: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ScheduleRunNow"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleRun"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_hooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HookList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_hook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HookCreate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HookSecret"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_hook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Hook"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deliver_to_hook: {
        parameters: {
            query?: never;
            header?: {
                /** @description `sha256=` and the hex HMAC-SHA256, keyed with the hook's secret, of `{timestamp}.{raw body}`. */
                "X-Harmonia-Signature-256"?: string;
                /** @description Unix seconds when it was signed. */
                "X-Harmonia-Timestamp"?: string;
                /** @description One id per delivery; a retry sends the same one. */
                "X-Harmonia-Delivery"?: string;
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HookDelivered"];
                };
            };
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HookDelivered"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_hook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No Content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    rotate_hook_secret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["HookRotate"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HookSecret"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    approve_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ApprovalDecision"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalResult"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    reject_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ApprovalDecision"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApprovalResult"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Request Entity Too Large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unsupported Media Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_webhook_deliveries: {
        parameters: {
            query?: {
                /** @description Items per page. */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
                /** @description Only this execution's. */
                execution_id?: string;
                /** @description Only this status. */
                status?: "pending" | "delivered" | "failed";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryList"];
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stream_execution: {
        parameters: {
            query?: {
                /** @description Replay events after this seq. */
                after?: number;
                /** @description Keep streaming after the terminal event. */
                follow?: boolean;
            };
            header?: {
                /** @description Replay the history after this seq (what the browser sends on reconnect). */
                "Last-Event-ID"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An event stream (text/event-stream) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stream_all: {
        parameters: {
            query?: never;
            header?: {
                /** @description `<execution_id>:<seq>`: replay that execution's events after seq first. */
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An event stream (text/event-stream) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
