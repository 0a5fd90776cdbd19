/** One dependency a service needs before it is ready (its /health/ready asks each). */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}
