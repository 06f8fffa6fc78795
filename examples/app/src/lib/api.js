// The API client. VITE_API_URL is baked in at build time (the image renders the CSP's
// connect-src from the same value); unset, the API is same-origin under /api.
import axios from "axios";

export const api = axios.create({
  baseURL: import.meta.env.VITE_API_URL || "/api",
  timeout: 5000,
  headers: { Accept: "application/json" },
});

export async function fetchStatus(signal) {
  const response = await api.get("/status", { signal });
  return response.data;
}
