using Grpc.Core;
using Grpc.Core.Interceptors;
using StackExchange.Redis;

namespace Broadcast.Directory.Grpc;

/// <summary>Any call that hits a Redis failure ends with <see cref="StatusCode.Unavailable"/> and a plain reason.</summary>
internal sealed class RedisUnavailableInterceptor : Interceptor
{
    public const string Message = "directory unavailable: Redis is unreachable";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, Message));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, Message));
        }
    }
}
