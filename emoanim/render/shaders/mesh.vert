#version 330 core
// emoanim preview vertex shader. Replaces pyrender's mesh.vert, which inverts a 4x4 matrix per vertex to get the
// normal matrix; a preview only ever poses meshes rigidly (rotation + translation), so mat3(M) is the normal
// matrix. pyrender fills NORMAL_LOC, COLOR_0_LOC and INST_M_LOC from the primitive's buffers.
layout(location = 0) in vec3 position;
layout(location = NORMAL_LOC) in vec3 normal;
layout(location = COLOR_0_LOC) in vec4 color_0;
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 M;
uniform mat4 V;
uniform mat4 P;

out vec3 frag_position;
out vec3 frag_normal;
out vec4 frag_color;

void main()
{
    vec4 world = M * inst_m * vec4(position, 1.0);
    gl_Position = P * V * world;
    frag_position = world.xyz;
    frag_normal = mat3(M * inst_m) * normal;
    frag_color = color_0;
}
